"""Screens of the bank card part of the identify journey: insert the bank card, choose the
account when the chip holds several, type the PIN on the PIN pad, wait for the bank, the
reminder of an installment due or overdue, identified. Texts come from the session's
translator with literal message ids (the catalog test finds them)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.formats import short_date
from kiosk.shell.page import ScreenPage, beside_in_care, make_label
from screens.widgets.buttons import big_button
from screens.widgets.cards import BankCardPicture
from screens.widgets.pin_dots import PinDots
from screens.widgets.pinpad_picture import PinPadPicture

CHOICES_PER_SCREEN = 3

#: UnionPay application ids -> the catalog id of the account kind a farmer understands.
ACCOUNT_KINDS = {
    "A000000333010101": "screen.choose_account.debit",
    "A000000333010102": "screen.choose_account.credit",
    "A000000333010103": "screen.choose_account.quasi_credit",
}


def account_kind_text(tr: Translator, aid: str, label: str) -> str:
    """借记卡账户 / 信用卡账户 for the known UnionPay AIDs, else the chip's own label."""
    kind = ACCOUNT_KINDS.get(aid.upper()[:16])
    if kind == "screen.choose_account.debit":
        return tr("screen.choose_account.debit")
    if kind == "screen.choose_account.credit":
        return tr("screen.choose_account.credit")
    if kind == "screen.choose_account.quasi_credit":
        return tr("screen.choose_account.quasi_credit")
    return label or aid


class InsertBankCardView(ScreenPage):
    """请插入银行卡: the reader waits; after a pulled card it says so first."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("insert_bank", parent)
        self.notice = make_label("alert", name="notice")
        self.notice.hide()
        self.picture = BankCardPicture()
        # the notice and the card side by side in the elderly mode (one screen at 1024x768)
        self.content.addLayout(beside_in_care(self.notice, self.picture))
        self.cancel_button = self.add_action(big_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)

    def show_texts(self, tr: Translator, notice: str = "") -> None:
        self.heading.setText(tr("screen.insert_bank.title"))
        self.body.setText(tr("screen.insert_bank.body"))
        self.notice.setText("⚠ " + notice if notice else "")
        self.notice.setVisible(bool(notice))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ReadingBankCardView(ScreenPage):
    """正在读取银行卡: no choices while the chip is read."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("reading_bank", parent)
        self.picture = BankCardPicture(arrow="")
        self.place_waiting_beside(self.picture)

    def show_texts(self, tr: Translator) -> None:
        self.show_waiting(tr("wait.iccard"))
        self.heading.setText(tr("screen.reading_bank.title"))
        self.body.setText(tr("screen.reading_bank.body"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ChooseAccountView(ScreenPage):
    """Several accounts on one chip: at most three choices per screen (with more than three
    accounts, two per screen and 下一页 as the third)."""

    chosen = Signal(str)  # the AID
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("choose_account", parent)
        self.choice_buttons: list[QPushButton] = []
        for i in range(CHOICES_PER_SCREEN):
            button = big_button(primary=True, name=f"account-{i + 1}")
            button.setMinimumHeight(theme.TOUCH_MIN_PX + 16)
            button.clicked.connect(self._on_choice)
            self.content.addWidget(button)
            self.choice_buttons.append(button)
        self.cancel_button = self.add_action(big_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.more_button = self.add_action(big_button(name="more"))
        self.more_button.clicked.connect(self.next_page)
        self._choices: list[tuple[str, str]] = []  # (aid, text)
        self._page = 0

    def show_choices(self, tr: Translator, applications: Sequence[Any]) -> None:
        self._choices = [(a.aid, account_kind_text(tr, a.aid, a.label)) for a in applications]
        self._page = 0
        self.heading.setText(tr("screen.choose_account.title"))
        self.body.setText(tr("screen.choose_account.body"))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.more_button.setText(tr("screen.choose_account.more"))
        self.repeat_button.setText(tr("screen.common.repeat"))
        self._show_page()

    @property
    def per_page(self) -> int:
        return CHOICES_PER_SCREEN if len(self._choices) <= CHOICES_PER_SCREEN else (
            CHOICES_PER_SCREEN - 1)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self._choices) // self.per_page))

    def next_page(self) -> None:
        self._page = (self._page + 1) % self.pages
        self._show_page()

    def _show_page(self) -> None:
        start = self._page * self.per_page
        page = self._choices[start:start + self.per_page]
        for i, button in enumerate(self.choice_buttons):
            if i < len(page):
                aid, text = page[i]
                button.setText(f"{start + i + 1}. {text}")
                button.setProperty("aid", aid)
                button.show()
            else:
                button.setProperty("aid", "")
                button.hide()
        self.more_button.setVisible(self.pages > 1)

    def visible_choices(self) -> list[str]:
        return [b.text() for b in self.choice_buttons if b.isVisibleTo(self)]

    def _on_choice(self) -> None:
        button = self.sender()
        aid = button.property("aid") if isinstance(button, QPushButton) else ""
        if aid:
            self.chosen.emit(str(aid))


class EnterPinView(ScreenPage):
    """请在密码键盘上输入密码: one dot per key on the pad, nothing else. No keypad here."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("enter_pin", parent)
        self.picture = PinPadPicture()
        self.content.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        self.dots = PinDots(6)
        self.content.addWidget(self.dots, 0, Qt.AlignmentFlag.AlignHCenter)
        self.cancel_button = self.add_action(big_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)

    def show_texts(self, tr: Translator, max_len: int) -> None:
        self.heading.setText(tr("screen.enter_pin.title"))
        self.body.setText(tr("screen.enter_pin.body"))
        self.picture.set_translator(tr)
        self.picture.refresh_layout()
        self.dots.set_translator(tr)
        self.dots.set_max_len(max_len)
        self.dots.reset()
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class VerifyingView(ScreenPage):
    """正在核对: the host is asked; no choices meanwhile."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("verifying", parent)

    def show_texts(self, tr: Translator) -> None:
        self.show_waiting(tr("wait.host"))
        self.heading.setText(tr("screen.verifying.title"))
        self.body.setText(tr("screen.verifying.body"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ReminderView(ScreenPage):
    """还款提醒: one installment due soon or overdue per page, its amount at heading size in
    figures with the capitals under it; 下一条 pages through several (1024x768 holds one at
    the elderly mode's sizes)."""

    ack_requested = Signal()
    pay_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("reminder", parent)
        self.when_label = make_label(name="reminder-when")
        self.amount_label = make_label("amount", name="reminder-amount")
        self.capitals_label = make_label(name="reminder-capitals")
        row = QHBoxLayout()  # when it is due, and 下一条 beside it (the footer is full)
        row.setSpacing(theme.GAP_PX)
        row.addWidget(self.when_label, 1)
        self.more_button = big_button(name="more")
        self.more_button.clicked.connect(self.next_page)
        row.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.content.addLayout(row)
        # the amount with its capitals right under it, across the panel's width (one line in
        # the elderly mode at 1024x768), then what an overdue means
        for label in (self.amount_label, self.capitals_label):
            self.content.addWidget(label)
        self.notice = make_label(name="overdue-notice")
        self.content.addWidget(self.notice)
        self.ack_button = self.add_action(big_button(name="ack"))
        self.ack_button.clicked.connect(self.ack_requested)
        self.pay_button = self.add_action(big_button(primary=True, name="pay-now"))
        self.pay_button.clicked.connect(self.pay_requested)
        self._tr = Translator()
        self._reminders: list[Any] = []
        self.page = 0

    def show_reminders(self, tr: Translator, masked_name: str,
                       reminders: Sequence[Any], *, can_pay: bool = False,
                       phone: str = "") -> None:
        """``can_pay``: 现在还款 leads into the repayment of the (first) reminded loan; an
        overdue reminder says what happens next and whom to call (``phone``)."""
        self._tr = tr
        self._reminders = list(reminders)
        overdue = any(r.kind == "overdue" for r in reminders)
        self.heading.setProperty("role", "error" if overdue else "heading")
        self.heading.style().unpolish(self.heading)
        self.heading.style().polish(self.heading)
        self.heading.setText(("⚠ " if overdue else "") + tr("screen.reminder.title"))
        self.body.setText(tr("screen.reminder.body", name=masked_name))
        self.notice.setText(tr("screen.reminder.overdue_notice", phone=phone)
                            if overdue else "")
        self.notice.setVisible(overdue)
        self.more_button.setVisible(len(self._reminders) > 1)
        self.ack_button.setText(tr("screen.reminder.ack"))
        self.pay_button.setText(tr("screen.reminder.pay"))
        self.pay_button.setVisible(can_pay)
        self.ack_button.setProperty("role", "secondary" if can_pay else "primary")
        self.ack_button.style().unpolish(self.ack_button)
        self.ack_button.style().polish(self.ack_button)
        self.repeat_button.setText(tr("screen.common.repeat"))
        self.show_page(0)

    @property
    def pages(self) -> int:
        return max(1, len(self._reminders))

    def next_page(self) -> None:
        self.show_page((self.page + 1) % self.pages)

    def show_page(self, page: int) -> None:
        from kiosk.receipts.capitals import amount_in_capitals

        tr = self._tr
        self.page = max(0, min(page, self.pages - 1))
        if not self._reminders:
            for label in (self.when_label, self.amount_label, self.capitals_label):
                label.setText("")
            return
        reminder = self._reminders[self.page]
        amount = Decimal(str(reminder.amount))
        when = {"due_date": short_date(tr, reminder.due_date), "days": reminder.days}
        self.when_label.setText(tr("reminder.when.overdue", **when)
                                if reminder.kind == "overdue"
                                else tr("reminder.when.due_soon", **when))
        self.amount_label.setText(tr("reminder.amount", amount=money_figures(amount)))
        self.capitals_label.setText(tr("reminder.capitals", capitals=amount_in_capitals(amount)))
        self.more_button.setText(tr("reminder.more", page=self.page + 1, pages=self.pages))

    def page_text(self) -> str:
        """What the page shown says about its reminder (tests, the autopilot)."""
        return " ".join(label.text() for label in (self.when_label, self.amount_label,
                                                   self.capitals_label))


def money_figures(amount: Decimal) -> str:
    return f"{amount:,.2f}"


class IdentifiedView(ScreenPage):
    """身份已确认: the bank knows the farmer (its masked name); 完成 ends the journey (later
    journeys add their menu here)."""

    finish_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("identified", parent)
        self.name_label = make_label("amount", name="masked-name")
        self.content.addWidget(self.name_label)
        self.finish_button = self.add_action(big_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_texts(self, tr: Translator, masked_name: str) -> None:
        self.heading.setText("✓ " + tr("screen.identified.title"))
        self.name_label.setText(tr("label.welcome_name", name=masked_name))
        self.body.setText(tr("screen.identified.body"))
        self.finish_button.setText(tr("screen.identified.finish"))
        self.repeat_button.setText(tr("screen.common.repeat"))
