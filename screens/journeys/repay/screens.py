"""The repayment screens: a loan with three plain choices, the amount of an early repayment
on the big keypad, the two ways of re-amortising (each with its new schedule and the interest
saved), the confirmation (amount in figures and capitals, what it pays, from which account,
what is left), the PIN on the pad, 正在还款, and the result with the next due date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.shell import theme
from kiosk.shell.formats import short_date, whole_yuan, yuan
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.journeys.identify.bank_views import EnterPinView
from screens.journeys.loan_queries.rows import loan_due_text, masked_contract
from screens.widgets.keypad import NumberKeypad
from screens.widgets.message import MessageView

#: The confirmation's lines, in the order a payment fills them (what is paid first on top).
LINES = ("principal", "interest", "penalty", "compound", "fees")


def _tight(page: ScreenPage) -> None:
    layout = page.layout()
    assert layout is not None
    layout.setSpacing(theme.GAP_PX)


class WaitView(ScreenPage):
    """… 正在查询 / 正在还款: no choices meanwhile."""

    def __init__(self, name: str) -> None:
        super().__init__(name)

    def show_texts(self, tr: Translator, heading: str, body: str = "") -> None:
        self.heading.setText("… " + heading)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.repeat_button.setText(tr("screen.common.repeat"))


class LoanView(ScreenPage):
    """One loan: what it is, what is due; the three ways to repay as big buttons."""

    due_requested = Signal()
    part_requested = Signal()
    all_requested = Signal()
    next_requested = Signal()
    pick_requested = Signal()
    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__("repay_loan")
        self.due = make_label("amount", name="due")
        self.content.addWidget(self.due)
        self.lines = {key: make_label(name=f"loan-{key}")
                      for key in ("contract", "account", "position")}
        self.content.addWidget(self.lines["contract"])
        row = QHBoxLayout()  # 第2笔，共3笔 [下一笔]
        row.setSpacing(theme.GAP_PX * 2)
        row.addWidget(self.lines["account"], 1)
        row.addWidget(self.lines["position"])
        self.pick_button = make_button(primary=True, name="pick-loan")  # 还这笔
        self.pick_button.clicked.connect(self.pick_requested)
        row.addWidget(self.pick_button)
        self.next_button = make_button(name="next-loan")
        self.next_button.clicked.connect(self.next_requested)
        row.addWidget(self.next_button)
        self.content.addLayout(row)
        self.due_button = make_button(primary=True, name="pay-due")
        self.part_button = make_button(name="pay-part")
        self.all_button = make_button(name="pay-all")
        choices = QHBoxLayout()  # the three ways to repay, side by side, as big as a key
        choices.setSpacing(theme.GAP_PX)
        for button, signal in ((self.due_button, self.due_requested),
                               (self.part_button, self.part_requested),
                               (self.all_button, self.all_requested)):
            button.clicked.connect(signal)
            choices.addWidget(button)
        choices.addStretch(1)
        self.content.addSpacing(theme.GAP_PX)
        self.content.addLayout(choices)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)

    def show_loan(self, tr: Translator, loan: Any, index: int, count: int,
                  today: dt.date, *, picking: bool = False) -> None:
        """``picking``: several loans, none chosen yet: 还这笔 / 下一笔 (one thing at a time,
        at most three choices); else the three ways to repay this one."""
        overdue = int(loan.overdue_days) > 0
        self.heading.setText(loan.product_name)
        self.body.hide()
        self.due.setText(("⚠ " if overdue else "") + loan_due_text(tr, loan, today))
        self.lines["contract"].setText(tr("repay.loan.contract",
                                          contract=masked_contract(loan.contract_no),
                                          left=yuan(Decimal(loan.outstanding_principal))))
        self.lines["account"].setText(tr("repay.loan.account",
                                         account=loan.repayment_account_masked))
        self.lines["position"].setText(tr("repay.loan.position", n=index + 1, count=count))
        self.lines["position"].setVisible(count > 1)
        self.lines["position"].setWordWrap(False)
        self.next_button.setVisible(picking)
        self.next_button.setText(tr("repay.next_loan"))
        self.pick_button.setVisible(picking)
        self.pick_button.setText(tr("repay.pick_loan"))
        self.due_button.setText(tr("repay.choice.overdue" if overdue else "repay.choice.due"))
        self.due_button.setVisible(not picking and (loan.next_due_date is not None or overdue))
        self.part_button.setText(tr("repay.choice.part"))
        self.all_button.setText(tr("repay.choice.all"))
        self.part_button.setVisible(not picking)
        self.all_button.setVisible(not picking)
        self.back_button.setText(tr("screen.common.back"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class AmountView(ScreenPage):
    """提前还多少？ The amount on the big keypad, in figures and capitals as it is keyed."""

    next_requested = Signal()
    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__("repay_amount")
        _tight(self)
        row = QHBoxLayout()
        row.setSpacing(theme.GAP_PX * 2)
        left = QVBoxLayout()
        self.figures = make_label("amount", name="figures")
        self.capitals = make_label(name="capitals")
        self.limit = make_label("muted", name="limit")
        for label in (self.figures, self.capitals, self.limit):
            left.addWidget(label)
        left.addStretch(1)
        row.addLayout(left, 1)
        self.keypad = NumberKeypad(max_len=7)
        row.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignTop)
        self.content.addLayout(row)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.next_button = self.add_action(make_button(primary=True, name="next"))
        self.next_button.clicked.connect(self.next_requested)
        self.keypad.changed.connect(self._changed)
        self._tr = Translator()

    def show_entry(self, tr: Translator, most: Decimal) -> None:
        self._tr = tr
        self.heading.setText(tr("repay.amount.title"))
        self.body.hide()
        self.limit.setText(tr("repay.amount.body", most=yuan(most)))
        self.keypad.set_translator(tr)
        self.keypad.set_text("")
        self.back_button.setText(tr("screen.common.back"))
        self.next_button.setText(tr("repay.amount.next"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    @property
    def amount(self) -> Decimal | None:
        text = self.keypad.text
        return Decimal(text) if text and Decimal(text) > 0 else None

    def _changed(self, text: str) -> None:
        amount = self.amount
        # as keyed (30,000 元, like every amount keypad): whole yuan, one line beside the keys
        self.figures.setText(self._tr("repay.amount.figures", figures=whole_yuan(amount))
                             if amount is not None else self._tr("repay.amount.empty"))
        self.capitals.setText(amount_in_capitals(amount) if amount is not None else "")
        # the capitals confirm an amount in Chinese: on the Chinese screen only (the amount
        # keypads of the other journeys show none; the confirmation shows them)
        self.capitals.setVisible(self._tr.lang.startswith("zh"))
        self.next_button.setEnabled(amount is not None)


class OptionsView(ScreenPage):
    """少还几期 / 每月少还: each with the new installment, how many left, until when, and the
    interest saved; the farmer picks one."""

    chosen = Signal(str)
    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__("repay_options")
        _tight(self)
        self.options: dict[str, tuple[Any, Any]] = {}
        for key in ("shorter_term", "lower_installment"):
            box = QHBoxLayout()
            box.setSpacing(theme.GAP_PX)
            button = make_button(name=f"option-{key}")
            button.clicked.connect(lambda _=False, k=key: self.chosen.emit(k))
            label = make_label(name=f"option-{key}-text")
            box.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            box.addWidget(label, 1)
            self.content.addLayout(box)
            self.options[key] = (button, label)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)

    def show_options(self, tr: Translator, amount: Decimal, figures: dict[str, Any],
                     today: dt.date) -> None:
        self.heading.setText(tr("repay.options.title"))
        self.body.setText(tr("repay.options.body", amount=yuan(amount)))
        for key, (button, label) in self.options.items():
            mine = figures.get(key)
            button.setVisible(mine is not None)
            label.setVisible(mine is not None)
            if mine is None:
                continue
            button.setText(tr(f"repay.option.{key}"))
            label.setText(option_text(tr, mine, today))
        self.back_button.setText(tr("screen.common.back"))
        self.repeat_button.setText(tr("screen.common.repeat"))


def option_text(tr: Translator, mine: Any, today: dt.date) -> str:
    """以后每月还 3,142.91元，还9期，到12月21日还完；少付利息 612.34元."""
    return tr("repay.option.text", installment=yuan(mine.new_installment), term=mine.new_term,
              last=short_date(tr, mine.last_due_date, today),
              interest=interest_words(tr, mine.interest_saved, yuan))


def interest_words(tr: Translator, saved: Decimal, money: Any, prefix: str = "") -> str:
    """少付利息 612.34元; a re-amortisation can cost more interest than the schedule it
    replaces (its last period was short): 利息反而多付 3.37元, never "少付 -3.37"."""
    if saved > 0:
        return tr(f"{prefix}repay.option.saved", amount=money(saved))
    if saved < 0:
        return tr(f"{prefix}repay.option.more", amount=money(-saved))
    return tr(f"{prefix}repay.option.same")


class ConfirmView(ScreenPage):
    """请核对: the amount as large as a heading and in capitals, what it pays line by line
    (罚息 and 复利 separately, with one sentence saying what they are), the account it is taken
    from (masked), the principal left after it; 确认还款 or 返回."""

    confirm_requested = Signal()
    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__("repay_confirm")
        _tight(self)  # room for every line at 1024x768
        self.figures = make_label("amount", name="figures")
        self.figures.setWordWrap(False)
        self.capitals = make_label(name="capitals")
        top = QHBoxLayout()
        top.setSpacing(theme.GAP_PX * 2)
        top.addWidget(self.figures)
        top.addWidget(self.capitals, 1)
        self.content.addLayout(top)
        self.lines = {key: make_label(name=f"line-{key}") for key in LINES}
        grid = QHBoxLayout()
        grid.setSpacing(theme.GAP_PX * 3)
        columns = (QVBoxLayout(), QVBoxLayout())
        for i, key in enumerate(LINES):  # 本金 罚息 费用 | 利息 复利
            columns[i % 2].addWidget(self.lines[key])
        for column in columns:
            column.setSpacing(theme.GAP_PX)  # rows as close as the lines below them
            column.addStretch(1)
            grid.addLayout(column)
        grid.addStretch(1)
        self.content.addLayout(grid)
        self.explain = make_label("muted", name="explain")  # under the lines it explains
        self.content.addWidget(self.explain)
        self.account = make_label(name="account")  # the account, and what is left after
        self.content.addWidget(self.account)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.confirm_button = self.add_action(make_button(primary=True, name="confirm"))
        self.confirm_button.clicked.connect(self.confirm_requested)

    def show_confirm(self, tr: Translator, kind: str, breakdown: Any, account: str,
                     after: Decimal, heading: str) -> None:
        total = sum((Decimal(str(getattr(breakdown, k))) for k in LINES), Decimal(0))
        self.heading.setText(heading)
        self.body.hide()
        self.capitals.setText(amount_in_capitals(total))
        self.figures.setText(tr("repay.confirm.figures", figures=yuan(total)))
        for key, label in self.lines.items():
            value = Decimal(str(getattr(breakdown, key)))
            label.setText(tr(f"repay.line.{key}", amount=yuan(value)))
            label.setVisible(value > 0 or key in ("principal", "interest"))
        penalties = Decimal(str(breakdown.penalty)) + Decimal(str(breakdown.compound)) > 0
        self.explain.setText(tr("repay.confirm.explain") if penalties else "")
        self.explain.setVisible(penalties)
        # the card on one line, what is left on the next: a figure never split from its words
        self.account.setText(tr("repay.confirm.account", account=account).rstrip() + "\n" + tr(
            "repay.confirm.after_closed" if after <= 0 else "repay.confirm.after",
            left=yuan(after)))
        self.back_button.setText(tr("screen.common.back"))
        self.confirm_button.setText(tr("repay.confirm.button"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def line_texts(self) -> dict[str, str]:
        """The visible lines (tests, the autopilot)."""
        return {k: label.text() for k, label in self.lines.items() if not label.isHidden()}


class ResultView(ScreenPage):
    """✓ 还款成功 / … 处理中 / 没有还上: the amount, the next due date and amount (or what to
    do next), whether the receipt printed; 完成."""

    finish_requested = Signal()
    check_requested = Signal()

    def __init__(self) -> None:
        super().__init__("repay_result")
        self.figures = make_label("amount", name="figures")
        self.lines = [make_label(name=f"result-{i}") for i in range(3)]
        self.receipt = make_label("muted", name="receipt")
        for label in (self.figures, *self.lines, self.receipt):
            self.content.addWidget(label)
        self.check_button = self.add_action(make_button(name="check"))  # 再查一次 (处理中)
        self.check_button.clicked.connect(self.check_requested)
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_result(self, tr: Translator, heading: str, figures: str, lines: Sequence[str],
                    receipt: str = "", *, failed: bool = False, pending: bool = False) -> None:
        self.heading.setProperty("role", "error" if failed else "heading")
        self.heading.style().unpolish(self.heading)
        self.heading.style().polish(self.heading)
        self.heading.setText(heading)
        self.body.hide()
        self.figures.setText(figures)
        self.figures.setVisible(bool(figures))
        for i, label in enumerate(self.lines):
            label.setText(lines[i] if i < len(lines) else "")
            label.setVisible(i < len(lines) and bool(lines[i]))
        self.set_receipt(receipt)
        self.check_button.setText(tr("money.check"))
        self.check_button.setVisible(pending)
        self.finish_button.setText(tr("repay.finish"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def set_receipt(self, text: str) -> None:
        self.receipt.setText(text)
        self.receipt.setVisible(bool(text))

    def all_text(self) -> str:
        return "\n".join(w.text() for w in (self.heading, self.figures, *self.lines,
                                            self.receipt) if not w.isHidden())


class RepayViews:
    """Every repayment screen, built once."""

    def __init__(self) -> None:
        self.loading_view = WaitView("repay_loading")
        self.loan_view = LoanView()
        self.amount_view = AmountView()
        self.options_view = OptionsView()
        self.confirm_view = ConfirmView()
        self.pin_view = EnterPinView()
        self.pin_view.name = "repay_pin"
        self.paying_view = WaitView("repay_paying")
        self.result_view = ResultView()
        self.problem_view = MessageView("repay_problem", "screen.common.back")
        self.mismatch_view = MessageView("repay_mismatch", "repay.finish")
        self.no_loans_view = MessageView("repay_none", "repay.finish")
        self.unavailable_view = MessageView("repay_unavailable", "repay.finish")

    def pages(self) -> list[QWidget]:
        return [self.loading_view, self.loan_view, self.amount_view, self.options_view,
                self.confirm_view, self.pin_view, self.paying_view, self.result_view,
                self.problem_view, self.mismatch_view, self.no_loans_view,
                self.unavailable_view]


# --- samples for the UX-rules test ------------------------------------------------------------

def _sample_loan(**kw: Any) -> Any:
    base = {"loan_id": "JJ202509150001", "contract_no": "HT202509150001",
            "product_name": "金融e站商户贷", "amount": Decimal("300000.00"), "months": 36,
            "outstanding_principal": Decimal("288888.88"),
            "next_due_date": dt.date(2026, 3, 21), "next_due_amount": Decimal("99999.99"),
            "overdue_amount": Decimal("188888.88"), "overdue_days": 123, "status": "OVERDUE",
            "repayment_account_masked": "621799*********6782"}
    return SimpleNamespace(**{**base, **kw})


def sample_screens(views: RepayViews, tr: Translator) -> list[tuple[str, QWidget]]:
    from kiosk.lending.repayment import Breakdown

    today = dt.date(2026, 3, 16)
    v = views
    out: list[tuple[str, QWidget]] = []
    v.loading_view.show_texts(tr, tr("repay.loading"))
    out.append(("loading", v.loading_view))
    v.loan_view.show_loan(tr, _sample_loan(), 1, 3, today, picking=True)
    out.append(("loan_pick", v.loan_view))
    v.loan_view.show_loan(tr, _sample_loan(), 1, 3, today)
    out.append(("loan_overdue", v.loan_view))
    v.amount_view.show_entry(tr, Decimal("288888.88"))
    v.amount_view.keypad.type_text("2888888")
    out.append(("amount", v.amount_view))
    rows = tuple(SimpleNamespace(due_date=dt.date(2028, 12, 21)) for _ in range(2))
    mine = SimpleNamespace(new_installment=Decimal("99999.99"), new_term=35,
                           last_due_date=rows[-1].due_date,
                           interest_saved=Decimal("88888.88"))
    v.options_view.show_options(tr, Decimal("2888888"), {"shorter_term": mine,
                                                          "lower_installment": mine}, today)
    out.append(("options", v.options_view))
    big = Breakdown(Decimal("0"), Decimal("8888.88"), Decimal("88888.88"),
                    Decimal("99999.99"), Decimal("288888.88"))
    v.confirm_view.show_confirm(tr, "overdue", big, "621799*********6782",
                                Decimal("188888.88"), tr("repay.confirm.title.overdue"))
    out.append(("confirm_overdue", v.confirm_view))
    v.pin_view.show_texts(tr, 6)
    v.pin_view.heading.setText(tr("repay.pin.title"))
    out.append(("pin", v.pin_view))
    v.paying_view.show_texts(tr, tr("repay.paying.title"), tr("repay.paying.body"))
    out.append(("paying", v.paying_view))
    v.result_view.show_result(
        tr, "✓ " + tr("repay.result.success"),
        tr("repay.result.figures", figures=yuan(Decimal("577777.77"))),
        [tr("repay.result.next", date=short_date(tr, dt.date(2027, 12, 21), today),
            amount=yuan(Decimal("99999.99"))),
         tr("repay.result.left", left=yuan(Decimal("188888.88")))],
        tr("repay.printing"))
    out.append(("result", v.result_view))
    v.result_view.show_result(tr, tr("repay.result.pending"), "",
                              [tr("repay.result.pending_body")], tr("repay.printing"),
                              pending=True)
    out.append(("result_pending", v.result_view))
    v.problem_view.show_texts(tr, tr("repay.problem.title"),
                              tr("repay.amount.invalid", most=yuan(Decimal("288888.88"))))
    out.append(("problem", v.problem_view))
    v.mismatch_view.show_texts(tr, tr("error.REPAY-QUOTE-MISMATCH.farmer"),
                               tr("repay.mismatch.body"))
    out.append(("mismatch", v.mismatch_view))
    return out
