"""The signing screens: the terms in plain words (two pages), the signature pad (or, 见证签约,
the call for a staff witness and why a witnessed signing could not go on), the PIN, the
wait, and the result (成功 / 处理中 / 未成功); the line already signed (or none) and the host
not answering. Every text comes from the catalogs (``sign_line.po``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.shell import theme
from kiosk.shell.formats import percent, short_date, yuan
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.pin_entry import EnterPinView
from screens.widgets.message import MessageView
from screens.widgets.signature_pad import SignaturePad

#: What 1 万 yuan costs for a year at the line's rate: the rate in money a farmer knows.
TEN_THOUSAND = Decimal("10000")


def amount_text(tr: Translator, amount: Decimal) -> str:
    """80,000.00元（捌万元整）: figures and capitals (capitals on the Chinese screen)."""
    if tr.lang.startswith("zh"):
        return tr("sign.amount", figures=yuan(amount), capitals=amount_in_capitals(amount))
    return tr("sign.amount.figures", figures=yuan(amount))


class TermsView(ScreenPage):
    """One page of terms: a few short lines, 下一页 / 去签名, 上一页, 不签了."""

    next_requested = Signal()
    back_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, name: str, rows: int, *, with_back: bool) -> None:
        super().__init__(name)
        self.lines = [make_label(name=f"term-{i}") for i in range(rows)]
        for label in self.lines:
            self.content.addWidget(label)
        # 上一页, 不签了, then the main choice at the right as on every page
        self.back_button = make_button(name="back")
        self.back_button.clicked.connect(self.back_requested)
        if with_back:
            self.add_action(self.back_button)
        self.cancel_button = self.add_action(make_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.next_button = self.add_action(make_button(primary=True, name="next"))
        self.next_button.clicked.connect(self.next_requested)

    def show_lines(self, tr: Translator, heading: str, lines: Sequence[str],
                   next_msgid: str) -> None:
        self.heading.setText(heading)
        self.body.hide()
        for label, text in zip(self.lines, [*lines, *[""] * len(self.lines)], strict=False):
            label.setText(text)
            label.setVisible(bool(text))
        self.next_button.setText(tr(next_msgid))
        self.back_button.setText(tr("sign.back"))
        self.cancel_button.setText(tr("sign.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))


def terms_lines(tr: Translator, line: Any, product: Any, today: dt.date) -> list[str]:
    """Page 1: how much, until when, how long each loan, what it costs."""
    rate = Decimal(product.annual_rate)
    expiry = short_date(tr, line.expiry, today)
    return [
        tr("sign.terms.amount", amount=amount_text(tr, Decimal(line.limit))),
        tr("sign.terms.expiry.revolving" if line.revolving else "sign.terms.expiry",
           date=expiry),
        tr("sign.terms.term", months=max(product.terms)),
        tr("sign.terms.rate", rate=percent(rate),
           interest=yuan((TEN_THOUSAND * rate).quantize(Decimal("0.01")))),
    ]


def terms_more_lines(tr: Translator, product: Any) -> list[str]:
    """Page 2: how repayment works, what happens when late, what signing costs (the
    repayment methods are chosen, and explained, at the drawdown)."""
    repay = (tr("sign.terms.repay_day", day=product.due_day) if product.due_day
             else tr("sign.terms.repay_anniversary"))
    late = tr("sign.terms.late", grace=product.grace_days,
              times=f"{Decimal(product.penalty_multiplier).normalize():f}")
    return [repay, late, tr("sign.terms.credit_record"), tr("sign.terms.free")]


class SignView(ScreenPage):
    """请在框里写您的名字: the pad, a notice when a signature is refused, 重写 / 确认签名 /
    不会写字，请人见证 / 返回."""

    confirm_requested = Signal()
    back_requested = Signal()
    witness_requested = Signal()

    def __init__(self) -> None:
        super().__init__("sign_line_sign")
        self.notice = make_label("alert", name="notice")
        self.notice.hide()
        self.content.addWidget(self.notice)
        self.pad = SignaturePad()
        self.pad.setMinimumHeight(150)
        # 不会写字: beside the pad, at its foot (no room in the footer for a fourth button,
        # nor under the pad in the elderly mode at 1024x768)
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(theme.GAP_PX)
        line.addWidget(self.pad, 1)
        self.witness_button = make_button(name="witness")
        self.witness_button.clicked.connect(self.witness_requested)
        line.addWidget(self.witness_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.content.addWidget(row, 1)
        outer = self.layout()  # the pad, not the page's spacer, takes the room there is
        at = outer.indexOf(self.content)
        outer.setStretch(at, 1)
        outer.setStretch(at + 1, 0)
        # 返回, 重写, then the main choice at the right as on every page
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.clear_button = self.add_action(make_button(name="clear"))
        self.clear_button.clicked.connect(self.pad.clear)
        self.confirm_button = self.add_action(make_button(primary=True, name="confirm"))
        self.confirm_button.clicked.connect(self.confirm_requested)
        self.pad.changed.connect(self._written)

    def _written(self) -> None:
        """The farmer writes again: a refusal's notice has been read; it goes."""
        if not self.pad.empty:
            self.set_notice("")

    def show_texts(self, tr: Translator, notice: str = "", *, keep: bool = False) -> None:
        self.heading.setText(tr("sign.sign.title"))
        self.body.setText(tr("sign.sign.body"))
        self.set_notice(notice)
        if not keep:
            self.pad.clear()
        self.pad.set_hint(tr("sign.pad.hint"))
        self.clear_button.setText(tr("sign.sign.clear"))
        self.confirm_button.setText(tr("sign.sign.confirm"))
        self.witness_button.setText(tr("sign.sign.witness"))
        self.back_button.setText(tr("sign.back"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def set_notice(self, text: str) -> None:
        """A refusal (what is wrong and what to do) stands in place of the how-to line."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self.body.setVisible(not text)


class WitnessCallView(ScreenPage):
    """见证签约: 请叫工作人员过来见证签约 and how it goes (the staff member's password, then
    the farmer's PIN); 开始见证 (确认) / 返回 / 不签了. A notice when the PIN was not
    entered."""

    next_requested = Signal()
    back_requested = Signal()
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__("sign_line_witness")
        self.notice = make_label("alert", name="notice")
        self.notice.hide()
        self.content.addWidget(self.notice)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.cancel_button = self.add_action(make_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.next_button = self.add_action(make_button(primary=True, name="next"))
        self.next_button.clicked.connect(self.next_requested)

    def show_texts(self, tr: Translator, notice: str = "") -> None:
        self.heading.setText(tr("sign.witness.title"))
        self.body.setText(tr("sign.witness.body"))
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        self.next_button.setText(tr("sign.witness.ready"))
        self.back_button.setText(tr("sign.witness.back"))
        self.cancel_button.setText(tr("sign.witness.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))


def witness_refused_reason(tr: Translator, problem: Any) -> str:
    """Why a witnessed signing cannot go on: ``problem`` an AuthorizationResult (refused,
    staff signed out, nobody signed in, host) or STAFF-NOT-SIGNED-IN."""
    outcome = str(getattr(getattr(problem, "outcome", None), "value", "") or "")
    if problem == "STAFF-NOT-SIGNED-IN":
        outcome = "no_staff"
    reason = {"no_staff": "no_staff", "staff_signed_out": "staff_gone",
              "host_error": "host_error"}.get(outcome, "refused")
    return tr(f"sign.witness.refused.{reason}")


def witness_refused_text(tr: Translator, problem: Any) -> str:
    """The reason and that nothing was signed: shown and spoken."""
    return tr("sign.witness.refused.body", reason=witness_refused_reason(tr, problem))


class ResultView(ScreenPage):
    """成功 / 处理中 / 未成功: a heading that says it, the details, 完成 (and 再查一次 while
    处理中). A staff code small at the bottom of a failure."""

    finish_requested = Signal()
    check_requested = Signal()

    def __init__(self, name: str, *, with_check: bool = False) -> None:
        super().__init__(name)
        self.lines = [make_label(name=f"detail-{i}") for i in range(3)]
        for label in self.lines:
            self.content.addWidget(label)
        self.code_label = make_label("staff-code", name="code")
        self.content.addWidget(self.code_label)
        self.check_button = make_button(name="check")
        self.check_button.clicked.connect(self.check_requested)
        if with_check:
            self.add_action(self.check_button)
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_result(self, tr: Translator, heading: str, body: str,
                    lines: Sequence[str] = (), code: str = "") -> None:
        self.heading.setText(heading)
        self.body.setText(body)
        for label, text in zip(self.lines, [*lines, "", "", ""], strict=False):
            label.setText(text)
            label.setVisible(bool(text))
        self.code_label.setText(code)
        self.code_label.setVisible(bool(code))
        self.check_button.setText(tr("sign.pending.check"))
        self.finish_button.setText(tr("sign.finish"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class SignLineViews:
    def __init__(self) -> None:
        self.loading_view = ScreenPage("sign_line_loading")
        self.terms_view = TermsView("sign_line_terms", 4, with_back=False)
        self.terms_more_view = TermsView("sign_line_terms_more", 4, with_back=True)
        self.sign_view = SignView()
        self.witness_view = WitnessCallView()
        self.witness_refused_view = MessageView("sign_line_witness_refused", "sign.finish")
        self.witness_again_button = self.witness_refused_view.add_choice(
            "again", "sign.witness.again")
        self.pin_view = EnterPinView()
        self.pin_view.name = "sign_line_pin"
        self.signing_view = ScreenPage("sign_line_signing")
        self.success_view = ResultView("sign_line_success")
        self.pending_view = ResultView("sign_line_pending", with_check=True)
        self.failed_view = ResultView("sign_line_failed")
        self.not_signable_view = MessageView("sign_line_not_signable", "sign.finish")
        self.unavailable_view = MessageView("sign_line_unavailable", "sign.finish")

    def pages(self) -> list[ScreenPage]:
        return [self.loading_view, self.terms_view, self.terms_more_view, self.sign_view,
                self.witness_view, self.witness_refused_view, self.pin_view, self.signing_view,
                self.success_view, self.pending_view, self.failed_view, self.not_signable_view,
                self.unavailable_view]

    def wait(self, view: ScreenPage, tr: Translator, msgid: str) -> None:
        view.heading.setText("… " + tr(msgid))
        view.repeat_button.setText(tr("screen.common.repeat"))


def sample_screens(views: SignLineViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get: a line at the products' cap with the
    longest capitals, a product with every method, a long refusal and a long failure."""
    from types import SimpleNamespace

    from kiosk.errors import error_info
    from screens.pin_entry import PIN_LENGTH

    big = Decimal("299999.99")
    line = SimpleNamespace(limit=big, available=big, expiry=dt.date(2028, 12, 31),
                           revolving=True, signed=False, contract_no="ED20260316000123")
    product = SimpleNamespace(annual_rate=Decimal("0.0435"), terms=[6, 12, 24, 36],
                              methods=["equal-installment", "equal-principal",
                                       "interest-first", "bullet"],
                              due_day=21, grace_days=3, penalty_multiplier=Decimal("1.5"))
    today = dt.date(2027, 3, 1)
    v = views
    v.wait(v.loading_view, tr, "sign.loading")
    v.terms_view.show_lines(tr, tr("sign.terms.title"), terms_lines(tr, line, product, today),
                            "sign.terms.next")
    agree = max(("sign.terms.agree", "sign.terms.agree_witness"), key=lambda m: len(tr(m)))
    v.terms_more_view.show_lines(tr, tr("sign.terms_more.title"),
                                 terms_more_lines(tr, product), agree)  # the longer one
    v.sign_view.show_texts(tr, tr("sign.pad.too_small"))
    v.witness_view.show_texts(tr, tr("sign.witness.pin_cancelled"))
    v.witness_refused_view.show_texts(tr, tr("sign.witness.refused.title"),
                                      witness_refused_text(tr, "STAFF-NOT-SIGNED-IN"))
    v.pin_view.show_texts(tr, PIN_LENGTH)
    v.pin_view.heading.setText(tr("sign.pin.title"))
    v.wait(v.signing_view, tr, "sign.signing")
    v.success_view.show_result(tr, tr("sign.success.title"), tr("sign.success.body"),
                               success_lines(tr, line, product, today))
    v.pending_view.show_result(tr, tr("sign.pending.title"), tr("sign.pending.body"))
    failure = error_info("HOST-PIN-LOCKED", tr)
    v.failed_view.show_result(tr, tr("sign.failed.title"), failure.farmer,
                              [tr("sign.failed.nothing_signed")], failure.code)
    v.not_signable_view.show_texts(tr, tr("sign.already.title"), tr("sign.already.body"))
    info = error_info("HOST-CONNECTION", tr)
    v.unavailable_view.show_texts(tr, tr("sign.unavailable.title"), info.farmer)
    return [(page.name, page) for page in v.pages()]


def success_lines(tr: Translator, line: Any, product: Any, today: dt.date) -> list[str]:
    return [tr("sign.success.amount", amount=amount_text(tr, Decimal(line.limit))),
            tr("sign.success.contract", contract=line.contract_no or ""),
            tr("sign.success.until", date=short_date(tr, line.expiry, today))]
