"""Autopilot journeys of the repayment (development tool; the product never imports this
module). The demo scenario's repayments, each from the home screen's 还贷款 through the
identification (ID card, bank card, PIN on the PIN pad) against the bank host simulator:

- 张卫国 pays the installment due (还这一期), then pays 3,000 back early with fewer months left
  (少还几期), then 2,000 with a lower installment (每月少还) while the host's answer is lost
  after it applied the repayment (a reset): the money service settles it by its key, booked
  once;
- 马秀兰 (the reference's worked example, the host clock on 2026-02-20): the overdue reminder's
  现在还款, the overdue installment with 罚息 and 复利 as their own lines, then the rest of the
  loan paid off to the day;
- 王建军: his overdue installment with 罚息 and 复利, and a payoff his card cannot cover (the
  host declines: 卡里的钱不够, spoken, nothing printed).

Each confirmation's spoken text goes into the summary (``disclosures``, as the drawdown's),
each receipt's text into a file next to the screenshots (``receipts``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot

#: the host simulator's clock for 马秀兰: installment 2 exactly 30 days overdue
#: (lending_rules.md §2.1, the worked example)
WORKED_EXAMPLE_DAY = "2026-02-20"
WORKED_EXAMPLE_LINES = {"principal": "本金 4,099.06元", "interest": "利息 166.44元",
                        "penalty": "罚息 22.29元", "compound": "复利 0.91元"}


def _views(pilot: Pilot) -> Any:
    return pilot.runner.views_of("repay")


def _to_loan(pilot: Pilot, params: dict[str, Any]) -> Any:
    """From the home screen to the loan ``params["contract"]`` (picked among several)."""
    from screens.journeys.sign_line.autopilot import _identified_to

    _identified_to(pilot, "repay", params["person"], params["card"], "repay_loan")
    return _pick(pilot, params["contract"])


def _pick(pilot: Pilot, contract: str) -> Any:
    v = _views(pilot)
    for _ in range(10):
        flow = pilot.runner.presenter.flow
        if not v.loan_view.pick_button.isVisible():
            break
        if flow.loan.contract_no == contract:
            pilot.click(v.loan_view.pick_button)
        else:
            pilot.click(v.loan_view.next_button)
    flow = pilot.runner.presenter.flow
    if flow.loan.contract_no != contract:
        raise JourneyFailed(f"loan {contract} not offered (shown: {flow.loan.contract_no})")
    return v


def _confirm_and_pay(pilot: Pilot, pin: str) -> str:
    """On 请核对: keep what was spoken, 确认还款, the PIN on the pad; the result's heading."""
    v = _views(pilot)
    pilot.wait_screen("repay_confirm", 20.0)
    said = pilot.runner.presenter.confirm_spoken
    text = said[-1] if said else ""
    ask = pilot.runner.tr("voice.repay.confirm.ask")
    if not text.endswith(ask):
        raise JourneyFailed(f"the confirmation was not spoken in full: {text!r}")
    from kiosk.voice import speakable

    text = speakable(text, pilot.runner.tr.lang)  # as heard (a card's tail digit by digit)
    pilot.wait_until(lambda: any(t == text for _, t in pilot.spoken_log.spoken[-5:]), 10.0,
                     "the confirmation to be said")
    if pilot.result is not None:  # the summary's disclosures, as the drawdown's
        flow = pilot.runner.presenter.flow
        quote, _ = flow.chosen
        pilot.result.disclosures.append({
            "kind": str(flow.option or flow.kind), "amount": str(quote.amount),
            "contract": str(flow.loan.contract_no), "spoken": text})
    pilot.click(v.confirm_view.confirm_button)
    pilot.wait_screen("repay_pin")
    pilot.press_pin_keys(pin + "E")
    pilot.wait_screen("repay_result", 60.0)
    return str(v.result_view.heading.text())


def _receipt(pilot: Pilot, before: int, *wanted: str) -> str:
    """The receipt printed after ``before`` receipts, saved; each of ``wanted`` on it."""
    printer = pilot.control("printer")
    pilot.wait_until(lambda: len(printer.receipts()) > before, 20.0, "the receipt")
    text = pilot.keep_receipt(printer.receipts()[-1]["n"], "receipt")
    missing = [w for w in wanted if w not in text]
    if missing:
        raise JourneyFailed(f"the receipt lacks {missing}")
    return text


def _printed(pilot: Pilot) -> int:
    return len(pilot.control("printer").receipts())


def _success(pilot: Pilot, pin: str, *on_receipt: str) -> str:
    before = _printed(pilot)
    heading = _confirm_and_pay(pilot, pin)
    if "还款成功" not in heading and "repaid" not in heading.lower():
        code = pilot.runner.last_error.code if pilot.runner.last_error else ""
        raise JourneyFailed(f"ended on {heading!r} {code}")
    _receipt(pilot, before, *on_receipt)
    return _views(pilot).result_view.all_text()


def _again(pilot: Pilot, contract: str) -> Any:
    """完成, back on the home still identified, 还贷款 again (no cards asked)."""
    v = _views(pilot)
    pilot.click(v.result_view.finish_button)
    pilot.wait_until(lambda: pilot.runner.between_journeys, 10.0, "the home, identified")
    pilot.start_journey("repay")
    pilot.wait_screen("repay_loan", 20.0)
    return _pick(pilot, contract)


def _leave(pilot: Pilot, expected: str) -> None:
    """完成, 结束办理 on the home, the cards taken; the session ends ``expected``."""
    pilot.click(_views(pilot).result_view.finish_button)
    pilot.wait_until(lambda: pilot.runner.between_journeys
                     or pilot.shell.current_name() == "remove_id", 10.0, "the way out")
    if pilot.runner.between_journeys:
        pilot.wait_screen("attract")
        pilot.click(pilot.shell.attract.end_button)
    pilot.wait_screen("remove_id")
    pilot.take_cards()
    pilot.expect_outcome(expected)


def _part(pilot: Pilot, v: Any, amount: str, option: str) -> None:
    pilot.click(v.loan_view.part_button)
    pilot.wait_screen("repay_amount")
    v.amount_view.keypad.type_text(amount)
    pilot.capture("amount_keyed")
    pilot.click(v.amount_view.next_button)
    pilot.wait_screen("repay_options", 20.0)
    texts = [label.text() for _, label in v.options_view.options.values()]
    if not all(("利息" in t or "interest" in t) and "-" not in t for t in texts):
        raise JourneyFailed(f"an option does not say the interest in plain words: {texts}")
    pilot.click(v.options_view.options[option][0])


def repay_due(pilot: Pilot, params: dict[str, Any]) -> str:
    v = _to_loan(pilot, params)
    if int(pilot.runner.presenter.flow.loan.overdue_days) > 0:
        raise JourneyFailed("张卫国's loan is overdue: the scenario changed")
    pilot.click(v.loan_view.due_button)
    shown = _success(pilot, params["pin"], "成功", params["contract"])
    _leave(pilot, "done")
    upcoming = [line for line in shown.splitlines() if "下次" in line or "Next" in line]
    return "installment paid, receipt; " + (upcoming[0] if upcoming else "no next due date")


def repay_early_shorter(pilot: Pilot, params: dict[str, Any]) -> str:
    v = _to_loan(pilot, params)
    _part(pilot, v, "3000", "shorter_term")
    _success(pilot, params["pin"], "3,000.00", "叁仟元整", "成功")
    _leave(pilot, "done")
    return "3,000 early, fewer months, receipt"


def repay_early_lower_reset(pilot: Pilot, params: dict[str, Any]) -> str:
    v = _to_loan(pilot, params)
    _part(pilot, v, "2000", "lower_installment")
    pilot.wait_screen("repay_confirm", 20.0)
    # the host applies the repayment, then the connection is reset: the answer is lost
    pilot.host_sim("POST", "/sim/fault", {"kind": "reset", "when": "after", "count": 1,
                                          "paths": ["/v1/repayments"]})
    try:
        _success(pilot, params["pin"], "2,000.00", "成功")
    finally:
        pilot.host_sim("DELETE", "/sim/fault")
    journal = pilot.kiosk.transactions.journal
    row = journal.rows()[-1]
    ledger = pilot.host_sim("GET", "/sim/ledger")["transactions"]
    booked = [t for t in ledger if t.get("key") == row.key]
    if len(booked) != 1 or row.state.name != "CONFIRMED":
        raise JourneyFailed(f"key {row.key}: booked {len(booked)} times, journal {row.state}")
    _leave(pilot, "done")
    return "2,000 early, lower installment, reset after apply: confirmed, booked once"


def repay_overdue_worked_example(pilot: Pilot, params: dict[str, Any]) -> str:
    from screens.journeys.sign_line.autopilot import _identified_to

    clock = pilot.host_sim("GET", "/sim/clock")
    pilot.host_sim("POST", "/sim/clock", {"date": WORKED_EXAMPLE_DAY, "force": True})
    try:
        _identified_to(pilot, "repay", params["person"], params["card"], "reminder")
        reminder = pilot.identify.reminder_view
        if not reminder.pay_button.isVisible():
            raise JourneyFailed("the overdue reminder does not offer 现在还款")
        pilot.click(reminder.pay_button)
        pilot.wait_screen("repay_loan", 20.0)
        v = _views(pilot)
        if not v.loan_view.due.text().startswith("⚠"):
            raise JourneyFailed(f"not shown overdue: {v.loan_view.due.text()!r}")
        pilot.click(v.loan_view.due_button)
        pilot.wait_screen("repay_confirm", 20.0)
        lines = v.confirm_view.line_texts()
        if lines != WORKED_EXAMPLE_LINES or v.confirm_view.figures.text() != "4,288.70元":
            raise JourneyFailed(f"the lines differ from the worked example: {lines}")
        _success(pilot, params["pin"], "4,288.70", "肆仟贰佰捌拾捌元柒角", "成功")
        v = _again(pilot, params["contract"])
        pilot.click(v.loan_view.all_button)
        pilot.wait_screen("repay_confirm", 20.0)
        total = v.confirm_view.figures.text()
        shown = _success(pilot, params["pin"], "成功")
        if "全部还清" not in shown:
            raise JourneyFailed(f"the loan is not paid off: {shown!r}")
        _leave(pilot, "done")
    finally:
        pilot.host_sim("POST", "/sim/clock", {"date": clock["business_date"], "force": True})
    return f"overdue 4,288.70 (罚息 22.29, 复利 0.91) paid, then paid off {total}"


def repay_overdue(pilot: Pilot, params: dict[str, Any]) -> str:
    v = _to_loan(pilot, params)
    if int(pilot.runner.presenter.flow.loan.overdue_days) <= 0:
        raise JourneyFailed("王建军's loan is not overdue: the scenario changed")
    pilot.click(v.loan_view.due_button)
    pilot.wait_screen("repay_confirm", 20.0)
    lines = v.confirm_view.line_texts()
    if not {"penalty", "compound"} <= set(lines):
        raise JourneyFailed(f"罚息 and 复利 are not lines of their own: {lines}")
    _success(pilot, params["pin"], "成功")
    _leave(pilot, "done")
    return "overdue paid: " + ", ".join(lines.values())


def repay_declined(pilot: Pilot, params: dict[str, Any]) -> str:
    v = _to_loan(pilot, params)
    pilot.click(v.loan_view.all_button)
    pilot.wait_screen("repay_confirm", 20.0)
    total = Decimal(v.confirm_view.figures.text().rstrip("元").replace(",", ""))
    before = _printed(pilot)
    heading = _confirm_and_pay(pilot, params["pin"])
    shown = v.result_view.all_text()
    if heading != "没有还上" or "卡里的钱不够" not in shown:
        raise JourneyFailed(f"not declined in plain words: {shown!r}")
    if _printed(pilot) != before:
        raise JourneyFailed("a receipt was printed for a repayment not made")
    _leave(pilot, "failed")
    return f"payoff {total} declined: 卡里的钱不够, no receipt"


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    from peripherals_sim.scenario import by_id

    customers = {c.get("id"): c for c in scenario.get("customers") or []}
    cards = scenario.get("cards") or []

    def params(customer_id: str, contract: str) -> dict[str, Any] | None:
        customer = customers.get(customer_id)
        if customer is None or not customer.get("cards"):
            return None
        card = str(customer["cards"][0])
        return {"person": str(customer["person"]), "card": card, "contract": contract,
                "pin": str(by_id(cards, card)["pin"])}

    plan = [
        ("repay-due-zhang_weiguo", repay_due, "C0001", "HT202510100001",
         "张卫国 pays the installment due; receipt with the next due date"),
        ("repay-early_shorter-zhang_weiguo", repay_early_shorter, "C0001", "HT202510100001",
         "张卫国 pays 3,000 back early, fewer months left"),
        ("repay-early_lower_reset-zhang_weiguo", repay_early_lower_reset, "C0001",
         "HT202510100001", "张卫国 pays 2,000 early, lower installment; the host resets after "
                           "applying it: confirmed, booked once"),
        ("repay-overdue_payoff-ma_xiulan", repay_overdue_worked_example, "C0008",
         "HT202511210001", "马秀兰 (2026-02-20): 现在还款 on the overdue reminder, 罚息 and 复利 "
                           "as the worked example, then paid off to the day"),
        ("repay-overdue-wang_jianjun", repay_overdue, "C0003", "HT202509150001",
         "王建军 pays his overdue installment with 罚息 and 复利"),
        ("repay-declined-wang_jianjun", repay_declined, "C0003", "HT202509150001",
         "王建军's payoff: his card cannot cover it, the host declines (plain words)"),
    ]
    for name, fn, customer_id, contract, description in plan:
        p = params(customer_id, contract)
        if p is not None:
            yield Journey(name, fn, p, description)


