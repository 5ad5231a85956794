"""The apply / intention screens: choices on pages (purpose, term), the amount and the mobile
number on the large keypad, the consent with an explicit 同意, and the results (approved with
the line in figures and capitals, referred, declined with 申请人工复核, registered)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from kiosk.i18n import Translator
from kiosk.receipts.capitals import amount_in_capitals
from kiosk.shell.attract import ChoiceTile, HomeChoice, TileRow
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.journeys.apply.chart import phone_groups
from screens.journeys.calculator.screens import EntryView


class ChoiceView(ScreenPage):
    """Up to three tiles; with more choices two tiles and 下一页 (never more than three)."""

    chosen = Signal(str)
    more_requested = Signal()
    back_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, name: str) -> None:
        super().__init__(name)
        row = TileRow()  # side by side; one under the other in the elderly mode
        self.tiles: list[ChoiceTile] = []
        for i in range(3):
            tile = row.add_tile(ChoiceTile(f"choice-{i + 1}"))
            tile.clicked.connect(self._on_tile)
            self.tiles.append(tile)
        self.content.addLayout(row)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.cancel_button = self.add_action(make_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.more_button = self.add_action(make_button(name="more"))
        self.more_button.clicked.connect(self.more_requested)

    def show_choices(self, tr: Translator, title: str, body: str,
                     choices: Sequence[HomeChoice], more: bool) -> None:
        self.heading.setText(title)
        self.body.setText(body)
        for i, tile in enumerate(self.tiles):
            if i < len(choices):
                tile.show_choice(choices[i])
                tile.show()
            else:
                tile.setProperty("key", "")
                tile.hide()
        self.more_button.setVisible(more)
        self.more_button.setText(tr("apply.more"))
        self.back_button.setText(tr("screen.common.back"))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def tile(self, key: str) -> ChoiceTile | None:
        return next((t for t in self.tiles
                     if t.isVisibleTo(self) and t.property("key") == key), None)

    def keys(self) -> list[str]:
        return [str(t.property("key")) for t in self.tiles if not t.isHidden()]

    def _on_tile(self) -> None:
        tile = self.sender()
        if isinstance(tile, ChoiceTile):
            self.chosen.emit(str(tile.property("key")))


class PhoneView(EntryView):
    """The mobile number on the keypad, read back in groups 3-4-4 (138 1234 5678)."""

    def __init__(self) -> None:
        super().__init__("apply_phone", max_len=11)

    def _on_changed(self, text: str) -> None:
        self.value.setText(" ".join(phone_groups(text)) if text else "—")
        self.next_button.setEnabled(len(text) == 11)
        if self.problem.isVisible():
            self.show_problem("")


class ConsentView(ScreenPage):
    """What the farmer agrees to, spoken; 同意 is the only way on."""

    agreed = Signal()
    back_requested = Signal()
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__("apply_consent")
        self.summary = make_label(name="summary")
        self.content.addWidget(self.summary)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.cancel_button = self.add_action(make_button(name="cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.agree_button = self.add_action(make_button(primary=True, name="agree"))
        self.agree_button.clicked.connect(self.agreed)

    def show_consent(self, tr: Translator, title: str, body: str, summary: str) -> None:
        self.heading.setText(title)
        self.body.setText(body)
        self.summary.setText(summary)
        self.agree_button.setText(tr("apply.consent.agree"))
        self.back_button.setText(tr("screen.common.back"))
        self.cancel_button.setText(tr("screen.common.cancel"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ResultView(ScreenPage):
    """A result: the heading, an amount as large as a heading with its capitals (approved),
    up to six plain lines, 办完了 and at most one more choice (申请人工复核)."""

    finish_requested = Signal()
    other_requested = Signal()

    def __init__(self, name: str, *, other: bool = False) -> None:
        super().__init__(name)
        self.set_text_rows()  # words only: a grid unit apart in the elderly mode
        self.amount = make_label("amount", name="amount")
        self.capitals = make_label(name="capitals")
        self.lines = [make_label(name=f"line-{i + 1}") for i in range(6)]
        for label in (self.amount, self.capitals, *self.lines):
            self.content.addWidget(label)
            label.hide()
        self.other_button: QPushButton | None = None
        if other:
            self.other_button = self.add_action(make_button(name="other"))
            self.other_button.clicked.connect(self.other_requested)
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_result(self, tr: Translator, heading: str, body: str, lines: Sequence[str],
                    amount: Decimal | None = None, other: str = "") -> None:
        self.heading.setText(heading)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.amount.setVisible(amount is not None)
        # the capitals confirm an amount in Chinese: on the Chinese screen only
        self.capitals.setVisible(amount is not None and tr.lang.startswith("zh"))
        if amount is not None:
            from kiosk.shell.formats import yuan

            self.amount.setText(tr("apply.amount.figures", figures=yuan(amount)))
            self.capitals.setText(amount_in_capitals(amount))
        for i, label in enumerate(self.lines):
            label.setText(lines[i] if i < len(lines) else "")
            label.setVisible(i < len(lines))
        if self.other_button is not None:
            self.other_button.setText(other)
            self.other_button.setVisible(bool(other))
        self.finish_button.setText(tr("apply.finish"))
        self.repeat_button.setText(tr("screen.common.repeat"))

    def texts(self) -> str:
        return "\n".join(w.text() for w in (self.heading, self.body, self.amount, self.capitals,
                                             *self.lines) if not w.isHidden())


class ApplyViews:
    """Both journeys (apply and intention) use this bundle; each builds its own once."""

    def __init__(self) -> None:
        self.loading_view = ScreenPage("apply_loading")
        self.purpose_view = ChoiceView("apply_purpose")
        self.amount_view = EntryView("apply_amount")
        self.term_view = ChoiceView("apply_term")
        self.phone_view = PhoneView()
        self.visit_view = ChoiceView("apply_visit")  # an intention's preferred visit time
        self.consent_view = ConsentView()
        self.approved_view = ResultView("apply_approved", other=True)  # 现在签约
        self.referred_view = ResultView("apply_referred")
        self.declined_view = ResultView("apply_declined", other=True)
        self.reviewed_view = ResultView("apply_reviewed")
        self.recorded_view = ResultView("apply_recorded")
        self.unavailable_view = ResultView("apply_unavailable")

    def pages(self) -> list[ScreenPage]:
        return [self.loading_view, self.purpose_view, self.amount_view, self.term_view,
                self.phone_view, self.visit_view, self.consent_view, self.approved_view,
                self.referred_view, self.declined_view, self.reviewed_view, self.recorded_view,
                self.unavailable_view]


def sample_screens(views: ApplyViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get (the presenter's own text builders)."""
    from types import SimpleNamespace

    from screens.journeys.apply import texts

    v = views
    v.loading_view.heading.setText("… " + tr("apply.loading"))
    texts.show_purposes(v.purpose_view, tr, 0)
    limits = SimpleNamespace(min_amount=Decimal("10000"), max_amount=Decimal("300000"))
    texts.show_amount(v.amount_view, tr, limits, "299999")
    texts.show_terms(v.term_view, tr, (12, 24, 36), 0)
    texts.show_phone(v.phone_view, tr, "13812345678")
    texts.show_visits(v.visit_view, tr)
    texts.show_consent(v.consent_view, tr, intention=False, purpose="machinery",
                       amount=Decimal("299999"), months=36, phone="13812345678")
    decision = SimpleNamespace(
        decision="REFER", line=Decimal("299999.99"), apr_simple=Decimal("0.0435"),
        rate_label="年利率（单利）", refer_triggers=["F01", "F02", "F03"],
        reasons=["R04", "R01", "R09", "R08"], knockouts=[], info=["I01", "I02"],
        officer_name="欧阳明月", visit_within_days=14, intention_id="YX202612030001",
        line_id="L202612030001")
    texts.show_approved(v.approved_view, tr, decision)
    texts.show_referred(v.referred_view, tr, decision)
    texts.show_declined(v.declined_view, tr, decision)
    review = SimpleNamespace(intention_id="YX202612030002", officer_name="欧阳明月",
                             visit_within_days=14)
    texts.show_reviewed(v.reviewed_view, tr, review)
    texts.show_recorded(v.recorded_view, tr, None, "0299-12345678")
    from kiosk.errors import error_info

    info = error_info("HOST-CONNECTION", tr)
    texts.show_unavailable(v.unavailable_view, tr, info.farmer)
    return [(page.name, page) for page in v.pages()]


def sample_intention_screens(views: ApplyViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """The intention's own texts: its consent and the slip's screen (queued, 待发送)."""
    from screens.journeys.apply import texts

    v = views
    texts.show_purposes(v.purpose_view, tr, 2)
    texts.show_visits(v.visit_view, tr)
    texts.show_consent(v.consent_view, tr, intention=True, purpose="household",
                       amount=Decimal("300000"), months=None, phone="13812345678",
                       visit="afternoon")
    texts.show_recorded(v.recorded_view, tr, None, "0299-12345678")
    return [(f"intention_{p.name}", p) for p in (v.purpose_view, v.visit_view,
                                                 v.consent_view, v.recorded_view)]
