"""Signing the credit line (额度签约, journey 4) through the real GUI: the farmer identifies
(ID card, bank card, PIN on the pad), hears the terms, writes his name on the signature pad,
confirms with his PIN on the PIN pad; the kiosk's transactions service signs over mutual TLS
with the bank host simulator (journal, MAC); the receipt comes out of the printer simulator
over TCP and is read back.

C0002 李秀英 (an unsigned pre-approved line) goes through every branch in one journey: an empty
and a dotted signature refused, X on the PIN pad, a wrong PIN declined by the host, then the
host dropping the answer (处理中, a 处理中 receipt) settled by reading the line (成功), and the
credit line then says 已签约. C0005 刘䶮 signs the line the scorecard approved a moment ago."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.printer.escpos_driver import EscposReceiptPrinter
from kiosk.simcontrol.printer import HttpPrinterControl
from peripherals_sim.bank_host.process import HostProcess
from peripherals_sim.process import SimulatorProcess
from screens.journeys.sign_line.autopilot import draw, write_name

from .test_apply_journey import apply_as
from .test_bank_card_journey import BankRig, all_texts, host, make_bank_rig  # noqa: F401
from .test_calculator_journey import printer_sim  # noqa: F401
from .test_credit_line_journey import identify_for, past_reminders


@pytest.fixture()
def sign_rig(qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any],
             host: HostProcess, printer_sim: SimulatorProcess) -> Iterator[BankRig]:  # noqa: F811
    HttpPrinterControl(printer_sim.control).clear_fault()
    yield from make_bank_rig(qtbot, state_dir, demo_scenario, host,
                             printer=EscposReceiptPrinter(printer_sim.url))


def views(rig: BankRig) -> Any:
    return rig.runner.views_of("sign_line")


def last_receipt(rig: BankRig, printer: SimulatorProcess, before: int) -> str:
    control = HttpPrinterControl(printer.control)
    rig.qtbot.waitUntil(lambda: len(control.receipts()) > before, timeout=15000)
    return (printer.paper_dir / control.receipts()[-1]["text"]).read_text("utf-8")


def receipts_count(printer: SimulatorProcess) -> int:
    return len(HttpPrinterControl(printer.control).receipts())


def to_signature(rig: BankRig) -> Any:
    """From the terms (page 1) to the signature pad."""
    v = views(rig)
    rig.wait_screen("sign_line_terms", timeout=15000)
    rig.click(v.terms_view.next_button)
    rig.wait_screen("sign_line_terms_more")
    rig.click(v.terms_more_view.next_button)
    rig.wait_screen("sign_line_sign")
    return v


def sign_name(rig: BankRig) -> None:
    pad = views(rig).sign_view.pad
    write_name(pad)
    assert pad.problem() is None


def type_pin(rig: BankRig, keys: str) -> None:
    dots = views(rig).pin_view.dots
    rig.qtbot.waitUntil(lambda: rig.pad.state()["mode"] == "pin", timeout=5000)
    for key in keys:
        before = dots.count
        rig.pad.press(key)
        if key.isdigit():
            rig.qtbot.waitUntil(lambda b=before: dots.count == b + 1, timeout=3000)


def test_li_xiuying_every_branch_then_signed_and_the_line_says_so(
        sign_rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    rig = sign_rig
    identify_for(rig, "credit_line", "li_xiuying", "li_debit")
    past_reminders(rig, "credit_line")
    line_view = rig.runner.views_of("credit_line").line_view
    assert "还没有签约" in line_view.lines["signed"].text()
    assert line_view.sign_button.isVisible() and line_view.sign_button.text() == "去签约"
    rig.click(line_view.sign_button)

    # the terms in plain words, figures and capitals, spoken and repeatable
    v = views(rig)
    rig.wait_screen("sign_line_terms", timeout=15000)
    terms = all_texts(v.terms_view)
    for said in ("80,000.00元（捌万元整）", "2027年3月31日", "36个月", "年化利率（单利）3.85%",
                 "借1万元用一年，利息是385.00元"):
        assert said in terms, said
    spoken = rig.spoken_texts()[-1]
    assert "八万元" in spoken and "三百八十五元" in spoken and "百分之三点八五" in spoken
    heard = len(rig.spoken_texts())
    rig.click(v.terms_view.repeat_button)
    rig.qtbot.waitUntil(lambda: len(rig.spoken_texts()) > heard, timeout=3000)
    assert rig.spoken_texts()[-1] == spoken
    rig.click(v.terms_view.next_button)
    rig.wait_screen("sign_line_terms_more")
    more = all_texts(v.terms_more_view)
    for said in ("每月21日", "3天", "1.5倍", "征信", "签约不收钱"):
        assert said in more, said
    assert "征信" in rig.spoken_texts()[-1]
    rig.click(v.terms_more_view.next_button)
    rig.wait_screen("sign_line_sign")

    # nothing written, then only dots: refused in plain words, spoken
    sign = v.sign_view
    pad_bottom = sign.pad.mapTo(sign, sign.pad.rect().bottomLeft()).y()
    assert sign.pad.height() >= 150  # the pad takes the room, above the buttons
    assert pad_bottom < sign.confirm_button.mapTo(sign, sign.confirm_button.rect().topLeft()).y()
    rig.click(sign.confirm_button)
    rig.wait_screen("sign_line_sign")
    assert sign.notice.isVisible() and "没有看到您的签名" in sign.notice.text()
    assert "没有看到您的签名" in rig.spoken_texts()[-1]
    for x in (100, 160, 220):
        draw(sign.pad, [(x, 120)])
    rig.click(sign.confirm_button)
    assert "只看到几个点" in sign.notice.text() and "只看到几个点" in rig.spoken_texts()[-1]
    rig.click(sign.clear_button)
    assert sign.pad.empty

    # X on the PIN pad: back to the signature, which is kept
    sign_name(rig)
    rig.click(sign.confirm_button)
    rig.wait_screen("sign_line_pin")
    assert v.pin_view.heading.text() == "请输入密码，确认签约"
    type_pin(rig, "12X")
    rig.wait_screen("sign_line_sign")
    assert not sign.pad.empty and "您没有输密码" in sign.notice.text()

    # a wrong PIN: the host declines; nothing signed
    rig.click(sign.confirm_button)
    rig.wait_screen("sign_line_pin")
    type_pin(rig, "654321E")
    rig.wait_screen("sign_line_failed", timeout=20000)
    failed = v.failed_view
    assert failed.heading.text() == "✗ 没有签成" and "密码" in failed.body.text()
    assert failed.code_label.text() == "HOST-PIN-WRONG" and "HOST" not in failed.body.text()
    assert "没有签成" in rig.spoken_texts()[-1]
    rig.click(failed.finish_button)
    rig.wait_screen("credit_line", timeout=15000)
    assert "还没有签约" in line_view.lines["signed"].text()

    # the host signs but its answer is lost, and the line cannot be read for a while: 处理中
    service = rig.kiosk.transactions
    service.settings = dataclasses.replace(service.settings, resolve_seconds=1.0,
                                           backoff=(0.2,))
    rig.click(line_view.sign_button)
    to_signature(rig)
    sign_name(rig)
    rig.click(sign.confirm_button)
    rig.wait_screen("sign_line_pin")
    before = receipts_count(printer_sim)
    rig.sim("POST", "/sim/fault", {"kind": "reset", "rate": 1.0, "when": "after", "paths": [
        "/v1/credit-lines/L0002/sign", "/v1/customers/C0002/credit-line"]})
    try:
        type_pin(rig, "123456E")
        rig.wait_screen("sign_line_pending", timeout=30000)
        # while the host still cannot be read, the unknown row blocks money
        assert service.money_available() == (False, "JOURNAL-UNRESOLVED")
    finally:
        rig.sim("DELETE", "/sim/fault")
    pending = v.pending_view
    assert "处理中" in pending.heading.text() and "请勿重复" in pending.heading.text()
    assert pending.check_button.isVisible() and "不要重复签约" in rig.spoken_texts()[-1]
    paper = last_receipt(rig, printer_sim, before)
    assert "额度签约回单" in paper and "处理中" in paper and "待银行确认" in paper
    assert "李秀英" not in paper and "6217991000002345671" not in paper

    # 再查一次: settled by reading the line, never by signing again (the background resolver,
    # woken by the pending row, may have settled it already: the same reading)
    before = receipts_count(printer_sim)
    rig.click(pending.check_button)
    rig.wait_screen("sign_line_success", timeout=20000)
    success = all_texts(v.success_view)
    assert "签约成功" in success and "合同号：ED" in success and "捌万元整" in success
    assert "请取走回单" in rig.spoken_texts()[-1]
    paper = last_receipt(rig, printer_sim, before)
    contract = success.split("合同号：")[1].split()[0]
    for field in ("额度签约回单", contract, "80,000.00", "捌万元整", "3.85%", "36个月",
                  "2027-03-31", "成功", "李*英", "ZN610425001"):
        assert field in paper, field
    for secret in ("6217991000002345671", rig.person("li_xiuying")["id_number"], "李秀英"):
        assert secret not in paper
    assert service.money_available()[0]
    signed = [row for row in service.journal.rows() if row.kind == "signing"]
    assert [r.state.value for r in signed] == ["DECLINED", "CONFIRMED"]
    assert signed[-1].host_ref == contract
    rig.click(v.success_view.finish_button)
    rig.wait_screen("credit_line", timeout=15000)
    assert "已签约" in line_view.lines["signed"].text()
    assert not line_view.sign_button.isVisible()


def test_liu_yan_signs_the_line_the_scorecard_just_approved(
        sign_rig: BankRig, printer_sim: SimulatorProcess) -> None:  # noqa: F811
    rig = sign_rig
    apply_view = apply_as(rig, "liu_yan", "liu_debit", "50000").approved_view
    rig.wait_screen("apply_approved", timeout=20000)
    assert apply_view.other_button.isVisible() and apply_view.other_button.text() == "现在签约"
    rig.click(apply_view.other_button)
    v = to_signature(rig)
    assert "67,000.00元（陆万柒仟元整）" in all_texts(v.terms_view)
    assert "年化利率（单利）4.35%" in all_texts(v.terms_view)
    sign_name(rig)
    rig.click(v.sign_view.confirm_button)
    rig.wait_screen("sign_line_pin")
    before = receipts_count(printer_sim)
    type_pin(rig, "123456E")
    rig.wait_screen("sign_line_success", timeout=20000)
    paper = last_receipt(rig, printer_sim, before)
    for field in ("额度签约回单", "67,000.00", "陆万柒仟元整", "4.35%", "成功", "刘*"):
        assert field in paper, field
    rig.click(v.success_view.finish_button)
    # the application ends with the signing; the farmer, still identified, sees his line
    rig.wait_screen("attract", timeout=10000)
    assert rig.runner.between_journeys
    rig.runner.start("credit_line")
    rig.wait_screen("credit_line", timeout=15000)
    assert "已签约" in rig.runner.views_of("credit_line").line_view.lines["signed"].text()
