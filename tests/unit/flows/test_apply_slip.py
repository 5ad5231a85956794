"""The intention slip (Qt-free): the registration number or 待发送, what happens next, the
branch's phone, the amount in capitals, and nothing personal unmasked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from devices.printer.contract import PROFILES
from devices.printer.layout import plain_text
from kiosk.i18n import Translator
from screens.journeys.apply.slip import intention_slip

TERMINAL = SimpleNamespace(id="ZN610425001", service_point="礼泉县烟霞镇助农服务点")
SESSION = SimpleNamespace(identity=SimpleNamespace(name="周磊", id_number="610425198001011234"),
                          account=SimpleNamespace(pan="6217991000009876543"))


def slip(number: str | None, lang: str = "zh_CN", session: object = SESSION) -> str:
    doc = intention_slip(Translator(lang), terminal=TERMINAL, session=session,
                         purpose="machinery", amount=Decimal("20000.00"), phone="13709101234",
                         number=number, key="a1b2c3d4e5f6a7b8c9d0e1f2",
                         branch_phone="029-35561234", now=dt.datetime(2026, 12, 3, 10, 40))
    return plain_text(doc, PROFILES["generic_58mm"]).replace("\n", "")


def test_queued_slip_says_to_be_sent_and_the_branch_phone() -> None:
    text = slip(None)
    assert "贷款意向登记" in text and "待发送" in text and "联网后自动提交" in text
    assert "网点电话" in text and "029-35561234" in text and "客户经理将与您联系" in text
    assert "农机" in text and "贰万元整" in text
    for secret in ("13709101234", "周磊", "610425198001011234", "6217991000009876543"):
        assert secret not in text


def test_sent_slip_carries_the_hosts_number() -> None:
    text = slip("YX202612030001")
    assert "YX202612030001" in text and "已提交" in text and "待发送" not in text


def test_without_an_identified_farmer_and_in_english() -> None:
    text = slip(None, "en", session=None)
    assert "to be sent" in text and "Branch phone" in text and "Farm machinery" in text
