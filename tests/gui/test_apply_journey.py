"""Apply (贷款申请) and intention registration (贷款意向登记), journey 10, through the real GUI:
the farmer identifies (ID card, bank card, PIN on the pad), chooses and keys what he needs,
agrees, and the bank host simulator's scorecard decides over mutual TLS; an intention goes
through the kiosk's outbox and is registered even while the host is failing."""

from __future__ import annotations

from typing import Any

from offline_queue.outbox import OutboxState

from .test_bank_card_journey import BankRig, all_texts, bank_rig, host  # noqa: F401
from .test_credit_line_journey import identify_for, past_reminders


def views(rig: BankRig) -> Any:
    return rig.runner.views_of("apply")


def choose(rig: BankRig, view: Any, key: str) -> None:
    """Touch the tile ``key``, turning pages with 下一页 until it shows."""
    for _ in range(4):
        tile = view.tile(key)
        if tile is not None:
            rig.click(tile)
            return
        rig.click(view.more_button)
    raise AssertionError(f"no tile {key} on {view.name}: {view.keys()}")


def key_in(rig: BankRig, view: Any, digits: str) -> None:
    for d in digits:
        rig.click(view.keypad.keys[d])
    rig.click(view.next_button)


def fill_in(rig: BankRig, v: Any, *, purpose: str, amount: str, phone: str,
            months: int | None = 12, visit: str = "afternoon") -> None:
    """The steps to the consent; an intention (``months=None``) asks the visit time."""
    rig.wait_screen(v.purpose_view.name)
    choose(rig, v.purpose_view, purpose)
    rig.wait_screen(v.amount_view.name)
    key_in(rig, v.amount_view, amount)
    if months is not None:
        rig.wait_screen(v.term_view.name)
        choose(rig, v.term_view, str(months))
    rig.wait_screen(v.phone_view.name)
    key_in(rig, v.phone_view, phone)
    if months is None:
        rig.wait_screen(v.visit_view.name)
        choose(rig, v.visit_view, visit)
    rig.wait_screen(v.consent_view.name)


def apply_as(rig: BankRig, pid: str, card: str, amount: str) -> Any:
    identify_for(rig, "apply", pid, card)
    past_reminders(rig, "apply_purpose")
    v = views(rig)
    fill_in(rig, v, purpose="machinery", amount=amount, phone="13991234567")
    consent = all_texts(v.consent_view)
    assert "征信" in consent and "139 9123 4567" in consent and "一年" in consent
    spoken = rig.spoken_texts()[-1]
    assert "幺三九，九幺二三，四五六七" in spoken and "同意" in spoken
    rig.click(v.consent_view.agree_button)
    return v


def test_approved_line_in_figures_and_capitals_with_the_simple_rate(
        bank_rig: BankRig) -> None:  # noqa: F811
    rig = bank_rig
    v = apply_as(rig, "liu_yan", "liu_debit", "50000")
    rig.wait_screen("apply_approved")
    texts = all_texts(v.approved_view)
    # C0005: approved, the line binds on capacity at 67,000 (the host's scorecard)
    assert "67,000.00元" in texts and "陆万柒仟元整" in texts
    assert "年化利率（单利）4.35%" in texts and "签约后才能借款" in texts
    spoken = rig.spoken_texts()[-1]
    assert "六万七千元" in spoken and "单利" in spoken and "签约以后才能借款" in spoken
    line = rig.sim("GET", "/sim/ledger")
    assert any(a["customer_id"] == "C0005" and a["purpose"] == "machinery"
               for a in line["applications"])
    rig.click(v.approved_view.finish_button)


def test_referred_says_why_who_visits_and_the_number(bank_rig: BankRig) -> None:  # noqa: F811
    rig = bank_rig
    v = apply_as(rig, "sun_hongmei", "sun_debit", "80000")
    rig.wait_screen("apply_referred")
    texts = all_texts(v.referred_view)
    tr = rig.runner.tr
    assert tr("credit.trigger.F02") in texts and tr("credit.reason.R01") in texts
    assert "信贷员周明会在3天内和您联系" in texts and "登记号：YX" in texts
    assert "周明" in rig.spoken_texts()[-1]


def test_declined_reasons_then_review_by_an_officer(bank_rig: BankRig) -> None:  # noqa: F811
    rig = bank_rig
    v = apply_as(rig, "zhou_lei", "zhou_debit", "100000")
    rig.wait_screen("apply_declined")
    tr = rig.runner.tr
    shown = [label.text() for label in v.declined_view.lines if not label.isHidden()]
    assert shown == [tr(f"credit.reason.{c}") for c in ("R04", "R01", "R09", "R08")]
    assert "没有通过" in rig.spoken_texts()[-1]
    assert v.declined_view.other_button.text() == "申请人工复核"
    rig.click(v.declined_view.other_button)
    rig.wait_screen("apply_reviewed")
    texts = all_texts(v.reviewed_view)
    assert "周明" in texts and "登记号：YX" in texts
    book = rig.sim("GET", "/sim/ledger")
    assert book["intentions"] >= 1


def test_intention_with_the_host_failing_is_kept_then_sent(bank_rig: BankRig) -> None:  # noqa: F811
    rig = bank_rig
    service = rig.kiosk.transactions
    rig.sim("POST", "/sim/fault", {"kind": "error_5xx", "rate": 1.0, "paths": ["/v1/intentions"]})
    try:
        rig.runner.options["intention"] = {"confirm_seconds": 0.3}
        assert rig.runner.start("intention")
        v = rig.runner.views_of("intention")
        fill_in(rig, v, purpose="household", amount="20000", phone="13709101234", months=None)
        assert "137 0910 1234" in all_texts(v.consent_view)
        rig.click(v.consent_view.agree_button)
        rig.wait_screen("apply_recorded")
        texts = all_texts(v.recorded_view)
        assert "待发送" in texts and "联网后自动发送" in texts and "网点电话：029-35561234" in texts
        [item] = service.outbox.items()
        assert item.kind == "intention" and item.state is not OutboxState.DELIVERED
        assert item.body["phone"] == "13709101234" and item.body["purpose"] == "household"
        assert item.body["visit_time"] == "afternoon"
    finally:
        rig.sim("DELETE", "/sim/fault")
    rig.click(v.recorded_view.finish_button)
    # the host answers again: the forwarder delivers it and keeps the host's number
    service.host_back()
    rig.qtbot.waitUntil(
        lambda: service.outbox.get(item.id).state is OutboxState.DELIVERED, timeout=15000)
    assert str(service.outbox.get(item.id).answer["intention_id"]).startswith("YX")
