"""The change of repayment account's screens: a loan with its repayment account, the old
card out, the new card's problem, the old and the new account side by side, the result
(the signing journey's result page), and the shared pages (message, PIN)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.journeys.loan_queries.rows import masked_contract
from screens.journeys.sign_line.screens import ResultView
from screens.pin_entry import EnterPinView
from screens.widgets.message import MessageView


class LoanView(ScreenPage):
    """One loan: its repayment account now; 换这笔的还款卡, 下一笔, 看完了."""

    choose_requested = Signal()
    next_requested = Signal()
    finish_requested = Signal()

    def __init__(self) -> None:
        super().__init__("account_change_loan")
        self.account = make_label("amount", name="account")
        self.content.addWidget(self.account)
        self.lines = {key: make_label(name=f"loan-{key}") for key in ("contract", "position")}
        row = QHBoxLayout()  # 合同号 …  第2笔，共3笔 [下一笔] (as the loan queries' loan)
        row.setSpacing(theme.GAP_PX * 2)
        row.addWidget(self.lines["contract"], 1)  # wraps before the button is squeezed
        self.lines["position"].setSizePolicy(QSizePolicy.Policy.Fixed,
                                             QSizePolicy.Policy.Preferred)  # its words only
        row.addWidget(self.lines["position"])
        self.next_button = make_button(name="next-loan")
        self.next_button.clicked.connect(self.next_requested)
        row.addWidget(self.next_button)
        self.content.addLayout(row)
        self.content.addStretch(1)
        self.finish_button = self.add_action(make_button(name="back"))
        self.finish_button.clicked.connect(self.finish_requested)
        self.choose_button = self.add_action(make_button(primary=True, name="choose"))
        self.choose_button.clicked.connect(self.choose_requested)

    def show_loan(self, tr: Translator, loan: Any, index: int, count: int) -> None:
        self.heading.setText(loan.product_name)
        self.body.setText(tr("acct.loan.body"))
        self.account.setText(tr("acct.loan.account", account=loan.repayment_account_masked))
        self.lines["contract"].setText(tr("acct.contract",
                                          contract=masked_contract(loan.contract_no)))
        self.lines["position"].setText(tr("acct.loan.position", n=index + 1, count=count))
        self.lines["position"].setVisible(count > 1)
        self.lines["position"].setWordWrap(False)
        self.next_button.setVisible(count > 1)
        self.next_button.setText(tr("acct.next_loan"))
        self.finish_button.setText(tr("acct.finish"))
        self.choose_button.setText(tr("acct.choose"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ConfirmView(ScreenPage):
    """The old account and the new one side by side; 返回, 确认更换."""

    back_requested = Signal()
    confirm_requested = Signal()

    def __init__(self) -> None:
        super().__init__("account_change_confirm")
        self.lines = {key: make_label(name=f"confirm-{key}") for key in ("loan", "old")}
        self.new = make_label("amount", name="confirm-new")
        self.content.addWidget(self.lines["loan"])
        self.content.addWidget(self.lines["old"])
        self.content.addWidget(self.new)
        self.content.addStretch(1)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.confirm_button = self.add_action(make_button(primary=True, name="confirm"))
        self.confirm_button.clicked.connect(self._confirm)

    def _confirm(self) -> None:
        self.confirm_button.setEnabled(False)  # one touch, one change
        self.confirm_requested.emit()

    def show_change(self, tr: Translator, loan: Any, new_masked: str) -> None:
        self.heading.setText(tr("acct.confirm.title"))
        self.body.setText(tr("acct.confirm.body"))
        self.lines["loan"].setText(tr("acct.confirm.loan", product=loan.product_name,
                                      contract=masked_contract(loan.contract_no)))
        self.lines["old"].setText(tr("acct.confirm.old", account=loan.repayment_account_masked))
        self.new.setText(tr("acct.confirm.new", account=new_masked))
        self.back_button.setText(tr("screen.common.back"))
        self.confirm_button.setText(tr("acct.confirm.button"))
        self.confirm_button.setEnabled(True)
        self.repeat_button.setText(tr("screen.common.repeat"))


class AccountChangeViews:
    def __init__(self) -> None:
        self.loading_view = ScreenPage("account_change_loading")
        self.loan_view = LoanView()
        self.no_loans_view = MessageView("account_change_none", "acct.finish")
        self.unavailable_view = MessageView("account_change_unavailable", "acct.finish")
        self.remove_view = MessageView("account_change_remove_old", "screen.common.cancel")
        self.problem_view = MessageView("account_change_card_problem", "acct.finish")
        self.problem_again = self.problem_view.add_choice("again", "acct.problem.again",
                                                          primary=True)
        self.confirm_view = ConfirmView()
        self.pin_view = EnterPinView()
        self.pin_view.name = "account_change_pin"
        self.sending_view = ScreenPage("account_change_sending")
        self.success_view = ResultView("account_change_success")
        self.pending_view = ResultView("account_change_pending", with_check=True)
        self.failed_view = ResultView("account_change_failed")
        self.stopped_view = MessageView("account_change_stopped", "acct.finish")

    def pages(self) -> list[ScreenPage]:
        return [self.loading_view, self.loan_view, self.no_loans_view, self.unavailable_view,
                self.remove_view, self.problem_view, self.confirm_view, self.pin_view,
                self.sending_view, self.success_view, self.pending_view, self.failed_view,
                self.stopped_view]

    def wait(self, view: ScreenPage, tr: Translator, msgid: str) -> None:
        view.heading.setText("… " + tr(msgid))
        view.repeat_button.setText(tr("screen.common.repeat"))


def result_lines(tr: Translator, loan: Any, old: str, new: str) -> list[str]:
    """What the result screens list: the loan, the old account, the new one."""
    return [tr("acct.confirm.loan", product=loan.product_name,
               contract=masked_contract(loan.contract_no)),
            tr("acct.confirm.old", account=old), tr("acct.result.new", account=new)]


def sample_screens(views: AccountChangeViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get: the longest product name, 19-digit
    accounts, nine loans, a long host failure."""
    from types import SimpleNamespace

    from kiosk.errors import error_info
    from screens.pin_entry import PIN_LENGTH

    loan = SimpleNamespace(product_name=tr("loanq.sample.product"),
                           contract_no="HT202510100001", loan_id="JJ202510100001",
                           repayment_account_masked="621799*********4561")
    new = "621799*********6546"
    v = views
    v.wait(v.loading_view, tr, "acct.loading")
    v.loan_view.show_loan(tr, loan, 8, 9)
    v.no_loans_view.show_texts(tr, tr("acct.none.title"), tr("acct.none.body"))
    info = error_info("HOST-CONNECTION", tr)
    v.unavailable_view.show_texts(tr, tr("acct.unavailable.title"), info.farmer)
    v.remove_view.show_texts(tr, tr("acct.remove.title"), tr("acct.remove.body"))
    v.problem_view.show_texts(tr, tr("acct.problem.same.title"), tr("acct.problem.same.body"))
    v.confirm_view.show_change(tr, loan, new)
    v.pin_view.show_texts(tr, PIN_LENGTH)
    v.pin_view.heading.setText(tr("acct.pin.title"))
    v.wait(v.sending_view, tr, "acct.sending")
    lines = result_lines(tr, loan, loan.repayment_account_masked, new)
    v.success_view.show_result(tr, tr("acct.success.title"), tr("acct.success.body"), lines)
    v.pending_view.show_result(tr, tr("acct.pending.title"), tr("acct.pending.body"),
                               [tr("money.pending.explain")])
    failure = error_info("HOST-PIN-LOCKED", tr)
    v.failed_view.show_result(tr, tr("acct.failed.title"), failure.farmer,
                              [tr("acct.failed.unchanged")], failure.code)
    v.stopped_view.show_texts(tr, tr("acct.stopped.title"), tr("staff.auth.farmer.no_staff"))
    return [(page.name, page) for page in v.pages()]
