"""The identify journey's views as one bundle (built once, kept by the runner)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from kiosk.i18n import Translator
from kiosk.shell.page import ScreenPage
from screens.journeys.identify.bank_views import (
    ChooseAccountView,
    EnterPinView,
    IdentifiedView,
    InsertBankCardView,
    ReadingBankCardView,
    ReminderView,
    VerifyingView,
)
from screens.journeys.identify.views import ErrorView, InsertIdCardView, ReadingView, WelcomeView


class IdentifyViews:
    """Every screen of the identify journey."""

    def __init__(self) -> None:
        self.insert_view = InsertIdCardView()
        self.reading_view = ReadingView()
        self.welcome_view = WelcomeView()
        self.error_view = ErrorView()
        self.insert_bank_view = InsertBankCardView()
        self.reading_bank_view = ReadingBankCardView()
        self.choose_view = ChooseAccountView()
        self.pin_view = EnterPinView()
        self.verifying_view = VerifyingView()
        self.reminder_view = ReminderView()
        self.identified_view = IdentifiedView()

    def pages(self) -> list[ScreenPage]:
        return [self.insert_view, self.reading_view, self.welcome_view, self.error_view,
                self.insert_bank_view, self.reading_bank_view, self.choose_view, self.pin_view,
                self.verifying_view, self.reminder_view, self.identified_view]


def sample_screens(views: IdentifyViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get (UX-rules test, screenshots)."""
    import datetime as dt
    from dataclasses import dataclass
    from decimal import Decimal

    from devices.iccard.contract import CardApplication
    from kiosk.errors import error_info

    @dataclass(frozen=True)
    class Reminder:
        kind: str
        due_date: dt.date
        amount: Decimal
        days: int

    v = views
    v.insert_view.show_texts(tr)
    v.reading_view.show_texts(tr)
    v.welcome_view.show_texts(tr, "欧**华")
    v.error_view.show_error(tr, error_info("IDC-EXPIRED", tr))
    v.insert_bank_view.show_texts(tr, error_info("ICC-REMOVED", tr).farmer)
    v.reading_bank_view.show_texts(tr)
    apps: list[Any] = [CardApplication(f"A00000033301010{i}", f"APP {i}", i) for i in (1, 2, 3, 6)]
    v.choose_view.show_choices(tr, apps)
    v.pin_view.show_texts(tr, 6)
    v.verifying_view.show_texts(tr)
    v.reminder_view.show_reminders(tr, "欧**华", [
        Reminder("overdue", dt.date(2026, 2, 21), Decimal("123456.78"), 123),
        Reminder("due_soon", dt.date(2026, 3, 21), Decimal("98765.43"), 5)],
        can_pay=True, phone="029-35561234")
    v.identified_view.show_texts(tr, "欧**华")
    return [(page.name, page) for page in v.pages()]
