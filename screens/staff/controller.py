"""Staff and technician modes on the GUI thread: the hidden entry, sign-in, supervised mode's
staff functions, authorisations, and diagnostics. Every host or device call goes to the worker
that owns it; results come back through the bridge (``call_soon``) to bound methods here.
Every entry, exit and action is in the audit log (the services write it)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.audit import audit_log
from kiosk.authorization import (
    AuthorizationAction,
    AuthorizationNeed,
    AuthorizationResult,
    AuthorizationTicket,
    Authorizer,
    Outcome,
)
from kiosk.errors import error_info
from kiosk.i18n import Translator
from kiosk.masking import mask_name
from kiosk.staff import (
    STAFF_ROLES,
    TECHNICIAN_ROLES,
    RefusalReason,
    SignInRefused,
    SignOutReason,
    StaffMember,
    StaffService,
    StaffSettings,
)
from kiosk.staff_functions import ReprintItem, reprint_items, unresolved_items
from screens.staff.gesture import CornerHold, EntryCode
from screens.staff.views import (
    AuthorizationView,
    KeyCeremonyView,
    MenuView,
    SignInView,
    TableView,
)

log = logging.getLogger(__name__)

TICK_MS = 1000
ENTRY_CODE_SECONDS = 15.0

STAFF_MENU = (("start_journey", "staff.home.start_journey"), ("reprint", "staff.home.reprint"),
              ("unresolved", "staff.home.unresolved"), ("day_summary", "staff.home.day_summary"),
              ("terminal_sign_in", "staff.home.terminal_sign_in"),
              ("terminal_sign_out", "staff.home.terminal_sign_out"),
              ("calls", "staff.home.calls"))
TECH_MENU = (("selftest", "staff.tech.selftest"), ("test_print", "staff.tech.test_print"),
             ("netcheck", "staff.tech.netcheck"), ("idcard_read", "staff.tech.idcard_read"),
             ("iccard_read", "staff.tech.iccard_read"), ("reveal", "staff.tech.reveal"),
             ("keytest", "staff.tech.keytest"), ("key_ceremony", "staff.tech.key_ceremony"),
             ("export", "staff.tech.export"),
             ("config", "staff.tech.config"), ("out_of_service", "staff.tech.out_of_service"),
             ("in_service", "staff.tech.in_service"))
KEYTEST_SECONDS = 30.0
READ_SECONDS = 20.0


def _short_time(iso: str) -> str:
    """``2026-11-28T10:15:30+08:00`` -> ``11-28 10:15`` (a dense staff table)."""
    try:
        return dt.datetime.fromisoformat(iso).strftime("%m-%d %H:%M")
    except ValueError:
        return iso[:16]


def _short_serial(serial: str) -> str:
    """A journal key ``ZN610425001-000123`` without the terminal id (the same on every row)."""
    return serial.split("-", 1)[1] if "-" in serial else serial


class _Deliver:
    """A worker's completion handed to a GUI-thread method through the bridge."""

    def __init__(self, bridge: Any, fn: Callable[[Any], None]) -> None:
        self.bridge, self.fn = bridge, fn

    def __call__(self, completion: Any) -> None:
        self.bridge.call_soon(functools.partial(self.fn, completion))


class StaffController(QObject):
    """Owns the staff services and screens. With a ``terminal``
    (:class:`kiosk.terminal.TerminalService`) the modes go through it: staff functions and
    diagnostics are entered at a safe point (a request made mid-journey waits until nothing is
    in flight, then the journey ends with the cards returned), and the staff member's masked
    name is what supervised journeys see."""

    mode_changed = Signal(str)  # "self_service", "supervised", "technician"

    def __init__(self, *, shell: Any, bridge: Any, workers: Mapping[str, Any], config: Any,
                 translator: Translator, voice: Any = None, modes: Any = None,
                 terminal: Any = None,
                 ports: Callable[[], Mapping[str, str | None]] | None = None,
                 staff: StaffService | None = None) -> None:
        super().__init__(shell)  # lives and dies with the window that holds its screens
        self.shell, self.bridge, self.workers = shell, bridge, workers
        self.config, self.tr, self.voice, self.modes = config, translator, voice, modes
        self.terminal = terminal
        self.ports = ports or dict
        self.state_dir = Path(config.state_dir).expanduser()
        self.audit = audit_log(self.state_dir)
        self.staff = staff or StaffService(self.audit, StaffSettings.from_config(config),
                                           self.state_dir)
        self.authorizer = Authorizer(self.staff, config.limits.supervised_drawdown_amount)
        self.staff.signed_out_listeners.append(self._on_signed_out)
        self.entry = EntryCode(config.staff.entry_code)
        self._ticket: AuthorizationTicket | None = None
        self._on_auth: Callable[[AuthorizationResult], None] | None = None
        self._reprint: ReprintItem | None = None
        self._items: list[ReprintItem] = []
        self._gesture_at = 0.0

        self.sign_in_view = SignInView(translator)
        self.sign_in_view.submitted.connect(self._submit)
        self.sign_in_view.cancelled.connect(self.home)
        self.sign_in_view.keyboard.typed.connect(self.staff.touch)
        self.staff_home = MenuView("staff_home", translator, STAFF_MENU, with_output=False)
        self.tech_home = MenuView("technician_home", translator, TECH_MENU)
        for view, handlers in ((self.staff_home, self._staff_handlers()),
                               (self.tech_home, self._tech_handlers())):
            for key, fn in handlers.items():
                view.buttons[key].clicked.connect(fn)
            view.sign_out_button.clicked.connect(self.sign_out)
        self.reprint_view = TableView("staff_reprint", translator, (
            "staff.col.serial", "staff.col.kind", "staff.col.time", "staff.col.amount",
            "staff.col.printed"))
        self.reprint_go = self.reprint_view.add_action("staff.reprint.print", "print",
                                                       primary=True)
        self.reprint_go.clicked.connect(self._reprint_selected)
        self.reprint_view.back_button.clicked.connect(self.show_staff_home)
        self.unresolved_view = TableView("staff_unresolved", translator, (
            "staff.col.serial", "staff.col.kind", "staff.col.amount", "staff.col.state",
            "staff.col.time", "staff.col.customer", "staff.col.advice"))
        self.unresolved_view.back_button.clicked.connect(self.show_staff_home)
        self.unresolved_view.table.itemSelectionChanged.connect(self._show_advice)
        self._advice: list[str] = []
        self.calls_view = TableView("staff_calls", translator, (
            "staff.col.time", "staff.col.journey", "staff.col.state"))
        self.calls_view.back_button.clicked.connect(self.show_staff_home)
        self.calls: list[tuple[dt.datetime, str]] = []  # the farmers' 呼叫工作人员, newest last
        self._help_seen = False
        if terminal is not None:
            terminal.add_listener(self._on_terminal)
        self.selftest_view = TableView("technician_selftest", translator, (
            "staff.col.device", "staff.col.result", "staff.col.state", "staff.col.code",
            "staff.col.version", "staff.col.elapsed"))
        self.selftest_again = self.selftest_view.add_action("staff.selftest.again", "again",
                                                            primary=True)
        self.selftest_again.clicked.connect(self.selftest)
        self.selftest_view.back_button.clicked.connect(self.show_tech_home)
        self.selftest_view.table.itemSelectionChanged.connect(self._show_check)
        self._check_rows: list[Any] = []
        from kiosk.technician.ceremony import ALGORITHMS

        self.ceremony: Any = None  # kiosk.technician.ceremony.KeyCeremony while one runs
        self.ceremony_view = KeyCeremonyView(translator, [a.value for a in ALGORITHMS])
        self.ceremony_view.add_requested.connect(self._ceremony_add)
        self.ceremony_view.load_requested.connect(self._ceremony_load)
        self.ceremony_view.cancelled.connect(self._ceremony_cancel)
        self.ceremony_view.algorithm_chosen.connect(self._ceremony_algorithm)
        self.ceremony_view.keyboard.typed.connect(self.staff.touch)
        self.auth_view = AuthorizationView(translator)
        self.auth_view.confirmed.connect(self._auth_confirm)
        self.auth_view.refused.connect(self._auth_refuse)
        self.auth_view.keyboard.typed.connect(self.staff.touch)
        for view in (self.sign_in_view, self.staff_home, self.tech_home, self.reprint_view,
                     self.unresolved_view, self.calls_view, self.auth_view,
                     self.selftest_view, self.ceremony_view):
            shell.add_screen(view)
        self.hold = CornerHold(shell.screen_area, config.staff.entry_hold_seconds)
        self.hold.held.connect(self.on_gesture)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self.staff.tick)
        self._tick.start()

    # --- entry -------------------------------------------------------------------------------

    def at_safe_point(self) -> bool:
        if self.terminal is not None:
            return bool(self.terminal.at_safe_point())
        return bool(self.shell.current_screen() is self.shell.attract)

    def _request_mode(self, mode_name: str, then: Callable[[], None]) -> bool:
        """Enter a mode through the terminal's safe-point handshake (at once without one)."""
        if self.terminal is None:
            then()
            return True
        from kiosk.terminal import TerminalMode

        return bool(self.terminal.request_mode(TerminalMode(mode_name), then))

    def on_gesture(self) -> None:
        """The corner was held. On the attract screen: ask for the entry code on the PIN pad
        (plain mode), or go straight to the sign-in when there is no PIN pad to ask. During a
        supervised journey: back to the staff functions, at the next safe point."""
        member = self.staff.current
        if member is not None and not member.is_technician and not self._on_staff_screen():
            self.staff.record("staff.functions.requested", {"at_safe_point":
                                                            self.at_safe_point()})
            self._request_mode("staff", self.show_staff_home)
            return
        if not self.at_safe_point() or self.shell.current_screen() is not self.shell.attract:
            return
        self.audit.append("kiosk", "staff.entry.gesture", {})
        pad = self.workers.get("pinpad")
        if pad is None or not pad.running:
            self.show_sign_in()
            return
        self.entry.keys.clear()
        pad.submit("keytest", ENTRY_CODE_SECONDS, timeout=ENTRY_CODE_SECONDS + 5,
                   on_done=_Deliver(self.bridge, self._entry_code_done))

    def _entry_code_done(self, completion: Any) -> None:
        keys = list(completion.data or []) if completion.ok else []
        if self.entry.matches(keys):
            self.show_sign_in()
            return
        self.audit.append("kiosk", "staff.entry.code_wrong", {"keys": len(keys)})

    def show_sign_in(self) -> None:
        self.sign_in_view.reset()
        remaining = self.staff.lockout_remaining()
        if remaining > 0:
            self._show_locked(remaining)
        self.shell.show_screen(self.sign_in_view)

    def _show_locked(self, seconds: float) -> None:
        self.sign_in_view.set_locked(True)
        self.sign_in_view.show_message(self.tr("staff.signin.locked",
                                               minutes=max(1, round(seconds / 60))), "error")

    def _submit(self, staff_id: str, password: str) -> None:
        self.staff.touch()
        roles = TECHNICIAN_ROLES if self.sign_in_view.technician else STAFF_ROLES
        try:
            self.staff.begin_sign_in(staff_id)
        except SignInRefused as refused:
            self._show_locked(refused.locked_seconds)
            return
        host = self.workers.get("host")
        if host is None or not staff_id or not password:
            self.sign_in_view.show_message(self.tr("staff.signin.missing"), "warning")
            return
        self.sign_in_view.set_busy(True)
        host.submit("staff_sign_in", staff_id, password, on_done=_Deliver(
            self.bridge, functools.partial(self._signed_in, staff_id, roles)))

    def _signed_in(self, staff_id: str, roles: Any, completion: Any) -> None:
        self.sign_in_view.set_busy(False)
        try:
            if completion.ok:
                member = self.staff.finish_sign_in(staff_id, completion.data, roles=roles)
            else:
                member = self.staff.finish_sign_in(staff_id, error=completion.error,
                                                   roles=roles)
        except SignInRefused as refused:
            if refused.reason is RefusalReason.LOCKED:
                self._show_locked(refused.locked_seconds)
            elif refused.reason is RefusalReason.WRONG_CREDENTIALS:
                self.sign_in_view.show_message(self.tr("staff.signin.wrong",
                                                       tries=refused.tries_left), "error")
            else:
                info = error_info(refused.error_code, self.tr, detail=refused.detail)
                self.sign_in_view.show_message(f"{refused.error_code} {info.staff}", "error")
            return
        self._entered(member)

    def _entered(self, member: StaffMember) -> None:
        name = member.masked_name
        self.shell.status_strip.set_staff(name, technician=member.is_technician)
        if member.is_technician:
            self._request_mode("technician", self.show_tech_home)
            self.mode_changed.emit("technician")
        else:
            if self.terminal is not None:
                self.terminal.staff = name  # supervised journeys: staff beside the farmer
            self._request_mode("staff", self.show_staff_home)
            self.mode_changed.emit("supervised")

    def show_tech_home(self) -> None:
        member = self.staff.current
        self.tech_home.heading.setText(self.tr(
            "staff.tech.title", name=member.masked_name if member else ""))
        self.tech_home.output.clear()
        self.shell.show_screen(self.tech_home)

    def _on_staff_screen(self) -> bool:
        return self.shell.current_screen() in (
            self.sign_in_view, self.staff_home, self.tech_home, self.reprint_view,
            self.unresolved_view, self.calls_view, self.auth_view, self.selftest_view,
            self.ceremony_view)

    def show_staff_home(self) -> None:
        member = self.staff.current
        self.staff_home.heading.setText(self.tr(
            "staff.home.title", name=mask_name(member.name) if member else ""))
        self.shell.show_screen(self.staff_home)

    def home(self) -> None:
        """Back to the farmer's attract/home screen (leaving staff functions or diagnostics)."""
        if self.terminal is not None:
            from kiosk.terminal import TerminalMode

            if self.terminal.mode in (TerminalMode.STAFF, TerminalMode.TECHNICIAN):
                self.terminal.request_mode(TerminalMode.ATTRACT)
        self.shell.show_screen(self.shell.attract)

    def sign_out(self) -> None:
        self.staff.sign_out(SignOutReason.MANUAL)

    def _on_signed_out(self, member: StaffMember, reason: SignOutReason) -> None:
        if self.ceremony is not None:  # components typed so far are dropped
            self._ceremony_end(f"signed_out_{reason.value}")
        self.shell.status_strip.set_staff(None)
        if self.terminal is not None:
            self.terminal.staff = None
        self.mode_changed.emit("self_service")
        if self._on_auth is not None:
            # a farmer journey waits for this authorisation: it is void (the authorizer closed
            # the ticket); the journey says so and goes on, never the attract screen under it
            ticket = self._ticket
            result = ticket.result if ticket is not None and ticket.result is not None else \
                AuthorizationResult(Outcome.STAFF_SIGNED_OUT, ticket.ticket_id if ticket else 0,
                                    staff_id=member.staff_id, error_code="STAFF-SIGNED-OUT")
            self._authorized(result)
            return
        if self._on_staff_screen():
            self.home()

    # --- staff functions --------------------------------------------------------------------

    def _staff_handlers(self) -> dict[str, Callable[[], None]]:
        return {"start_journey": self.start_journey, "reprint": self.show_reprints,
                "unresolved": self.show_unresolved, "day_summary": self.print_day_summary,
                "terminal_sign_in": functools.partial(self._terminal, "sign_in"),
                "terminal_sign_out": functools.partial(self._terminal, "sign_out"),
                "calls": self.show_calls}

    def _on_terminal(self) -> None:
        """A farmer pressed 呼叫工作人员: kept for the staff's list (and audited)."""
        asked = bool(getattr(self.terminal, "help_requested", False))
        if asked and not self._help_seen:
            journey = ""
            runner = getattr(self.terminal, "journey", None)
            if runner is not None and hasattr(runner, "current"):
                journey = str(runner.current or "")
            self.calls.append((dt.datetime.now(), journey))
            self.audit.append("kiosk", "staff.help_call", {"journey": journey})
        self._help_seen = asked

    def show_calls(self) -> None:
        answered = self.tr("staff.calls.open")
        self.calls_view.set_rows([
            (at.strftime("%m-%d %H:%M"), self.tr(f"home.service.{journey}") if journey
             else "", answered) for at, journey in reversed(self.calls)])
        self.calls_view.heading.setText(self.tr("staff.calls.title", count=len(self.calls)))
        self.staff.record("staff.calls.list", {"items": len(self.calls)})
        self.shell.show_screen(self.calls_view)

    def start_journey(self) -> None:
        """为客户办理: back to the home screen with the staff member still signed in; the
        journey the farmer (or the staff member for them) picks runs supervised. The PIN is
        still typed by the farmer on the PIN pad; no staff screen ever asks for it."""
        self.staff.record("staff.start_journey", {})
        self.home()

    def _journal(self) -> Any:
        from offline_queue.journal import Journal

        if not (self.state_dir / Journal.FILE).exists():
            return None
        return Journal.open(self.state_dir, self.config.terminal.id, create=False)

    def show_reprints(self) -> None:
        from kiosk.receipts.store import ReceiptStore

        journal = self._journal()
        try:
            self._items = reprint_items(ReceiptStore(self.state_dir), journal)
        finally:
            if journal is not None:
                journal.close()
        yes, no = self.tr("common.yes"), self.tr("common.no")
        self.reprint_view.set_rows([
            (_short_serial(i.serial_no), self.tr(f"staff.kind.{i.kind}"), _short_time(i.when),
             "" if i.amount is None else f"{i.amount:,.2f}", yes if i.printed else no)
            for i in self._items])
        self.reprint_view.heading.setText(self.tr("staff.reprint.title"))
        self.reprint_view.show_message("")
        self.staff.record("staff.reprint.list", {"items": len(self._items)})
        self.shell.show_screen(self.reprint_view)

    def _reprint_selected(self) -> None:
        row = self.reprint_view.selected_row()
        if row is None or row >= len(self._items):
            return
        item = self._items[row]
        if item.source != "store":
            self.reprint_view.show_message(self.tr("staff.reprint.not_stored"), "warning")
            return
        self._reprint = item
        if not item.needs_authorization:
            self._print_reprint()
            return
        need = AuthorizationNeed(AuthorizationAction.RECEIPT_REPRINT, reference=item.reference,
                                 amount=item.amount)
        self.ask_authorization(need, self.tr("staff.auth.what.reprint", serial=item.serial_no))

    def _print_reprint(self) -> None:
        from kiosk.receipts.store import ReceiptStore

        item = self._reprint
        printer = self.workers.get("printer")
        if item is None or printer is None:
            return
        doc = ReceiptStore(self.state_dir).reprint_doc(item.serial_no)
        printer.submit("print_receipt", doc, on_done=_Deliver(self.bridge, self._reprinted))

    def _reprinted(self, completion: Any) -> None:
        from kiosk.receipts.store import ReceiptStore

        item = self._reprint
        if item is None:
            return
        stored = ReceiptStore(self.state_dir).get(item.serial_no)
        from kiosk.receipts.printing import outcome_of

        outcome = outcome_of(completion)
        ReceiptStore(self.state_dir).record(stored.receipt, stored.lang, outcome,
                                            detail=completion.detail, reprint=True)
        self.staff.record("staff.reprint", {"serial": item.serial_no,
                                            "outcome": outcome.value})
        self.show_reprints()
        self.reprint_view.show_message(self.tr("staff.reprint.done" if completion.ok
                                               else "staff.reprint.failed",
                                               serial=item.serial_no),
                                       "success" if completion.ok else "error")

    def show_unresolved(self) -> None:
        journal = self._journal()
        try:
            items = unresolved_items(journal) if journal is not None else []
        finally:
            if journal is not None:
                journal.close()
        self.unresolved_view.set_rows([
            (str(i.serial), self.tr(f"staff.kind.{i.kind}"),
             "" if i.amount is None else f"{i.amount:,.2f}", i.state, _short_time(i.created),
             i.customer_ref, self.tr(i.advice_id)) for i in items])
        self._advice = [self.tr(i.advice_id) for i in items]
        self._show_advice()
        self.unresolved_view.heading.setText(self.tr("staff.unresolved.title",
                                                     count=len(items)))
        self.staff.record("staff.unresolved.list", {"items": len(items)})
        self.shell.show_screen(self.unresolved_view)

    def _show_advice(self) -> None:
        """The selected row's 处理办法 in full (the table column is narrow)."""
        row = self.unresolved_view.selected_row()
        advice = self._advice[row] if row is not None and row < len(self._advice) else ""
        self.unresolved_view.show_message(advice)

    def print_day_summary(self) -> None:
        from kiosk.receipts.model import ReceiptHeader
        from kiosk.receipts.templates import render
        from kiosk.staff_functions import day_summary

        printer = self.workers.get("printer")
        if printer is None:
            return
        now = dt.datetime.now().replace(microsecond=0)
        member = self.staff.current
        header = ReceiptHeader(self.config.terminal.id, self.config.terminal.service_point,
                               f"DS{now:%Y%m%d%H%M%S}", now,
                               staff_id=member.staff_id if member else None)
        from offline_queue.outbox import Outbox

        journal = self._journal()
        rows: list[Any] = []
        unresolved = outbox = 0
        if journal is not None:
            try:
                rows = journal.rows()
                unresolved = journal.unresolved_count()
                outbox = Outbox(journal).stats().depth  # messages still waiting for the host
            finally:
                journal.close()
        summary = day_summary(header, now.date(), rows, unresolved, outbox=outbox)
        doc = render(summary, self.tr)
        printer.submit("print_receipt", doc, on_done=_Deliver(self.bridge, self._summary_done))

    def _summary_done(self, completion: Any) -> None:
        self.staff.record("staff.day_summary", {"ok": completion.ok})
        key = "staff.day_summary.printed" if completion.ok else "staff.day_summary.failed"
        self.staff_home.show_message(self.tr(key), "success" if completion.ok else "error")

    def _terminal(self, command: str) -> None:
        host = self.workers.get("host")
        if host is None:
            return
        self.staff.record(f"staff.terminal.{command}", {})
        host.submit(command, on_done=_Deliver(
            self.bridge, functools.partial(self._terminal_done, command)))

    def _terminal_done(self, command: str, completion: Any) -> None:
        key = f"staff.terminal.{command}.{'ok' if completion.ok else 'failed'}"
        self.staff_home.show_message(self.tr(key), "success" if completion.ok else "error")

    # --- authorisation ------------------------------------------------------------------------

    def ask_authorization(self, need: AuthorizationNeed, what: str,
                          on_result: Callable[[AuthorizationResult], None] | None = None
                          ) -> None:
        """A step needs a second person: the staff member's own password, now. With
        ``on_result`` (a farmer journey: a drawdown above the amount, an account change) the
        final result goes there, on the GUI thread, and the journey says what it means; without
        it the staff's own reprint goes on."""
        self._on_auth = on_result
        ticket = self.authorizer.request(need)
        if ticket.result is not None:
            self._authorized(ticket.result)
            return
        self._ticket = ticket
        self.auth_view.ask(what)
        self.shell.show_screen(self.auth_view)

    def _auth_confirm(self, password: str) -> None:
        ticket, host = self._ticket, self.workers.get("host")
        if ticket is None or host is None:
            return
        task = functools.partial(self.authorizer.confirm, ticket, password)
        host.submit("run", task, on_done=_Deliver(self.bridge, self._auth_answer))

    def _auth_answer(self, completion: Any) -> None:
        if completion.ok:
            result = completion.data
        else:
            ticket = self._ticket
            result = AuthorizationResult(Outcome.HOST_ERROR, ticket.ticket_id if ticket else 0,
                                         error_code="STAFF-HOST")
        if not result.final:
            self.auth_view.confirm_button.setEnabled(True)
            self.auth_view.show_message(self.tr("staff.signin.wrong", tries=result.tries_left),
                                        "error")
            return
        self._authorized(result)

    def _auth_refuse(self) -> None:
        if self._ticket is not None:
            self._authorized(self.authorizer.refuse(self._ticket))

    def _authorized(self, result: AuthorizationResult) -> None:
        self._ticket = None
        done, self._on_auth = self._on_auth, None
        if done is not None:
            done(result)
            return
        if result.granted:
            self._print_reprint()
            return
        if result.farmer_text_id is not None and self.voice is not None:
            self.voice.speak(result.farmer_text_id, self.tr)
        if self.staff.current is None:
            return  # signed out: the attract screen is shown already
        self.show_reprints()
        self.reprint_view.show_message(
            f"{self.tr(result.farmer_text_id or 'staff.auth.farmer.refused')} "
            f"({result.error_code})", "error")

    # --- technician ---------------------------------------------------------------------------

    def _tech_handlers(self) -> dict[str, Callable[[], None]]:
        return {"selftest": self.selftest, "test_print": self.test_print,
                "netcheck": self.netcheck, "export": self.export, "config": self.show_config,
                "idcard_read": functools.partial(self.test_read, "idcard"),
                "iccard_read": functools.partial(self.test_read, "iccard"),
                "reveal": self.reveal, "keytest": self.keytest,
                "key_ceremony": self.key_ceremony,
                "out_of_service": functools.partial(self.set_out_of_service, True),
                "in_service": functools.partial(self.set_out_of_service, False)}

    def _background(self, name: str, work: Callable[[], Any],
                    done: Callable[[Any], None]) -> None:
        """``work()`` on its own thread (it waits for workers or the network), ``done(result
        or exception)`` back on the GUI thread."""

        def run() -> None:
            try:
                result: Any = work()
            except Exception as exc:  # shown to the technician with its type
                result = exc
            self.bridge.call_soon(functools.partial(done, result))

        threading.Thread(target=run, name=f"technician-{name}", daemon=True).start()

    def _show_output(self, text: str) -> None:
        """Data for the technician (a read, the keys pressed, the configuration)."""
        self.tech_home.output.setPlainText(text)

    def _tech_say(self, text: str, tone: str = "info") -> None:
        """A technician action's outcome on the message line (colour + symbol)."""
        self.tech_home.show_message(text, tone)

    def selftest(self) -> None:
        """全部自检: every device probed through the worker that owns its port; one row per
        device (result, state, error code, version, time), the selected row's detail below."""
        from kiosk.technician import selftest

        workers = {k: w for k, w in self.workers.items() if w.running}
        ports = dict(self.ports())
        view = self.selftest_view
        self._check_rows = []
        view.set_rows([])
        view.heading.setText(self.tr("staff.selftest.running"))
        view.show_message("")
        self.selftest_again.setEnabled(False)
        self.shell.show_screen(view)
        self._background("selftest", lambda: selftest.through_workers(workers, ports),
                         self._selftest_done)

    def _selftest_done(self, report: Any) -> None:
        from kiosk.technician.selftest import check_rows

        view = self.selftest_view
        self.selftest_again.setEnabled(True)
        if isinstance(report, Exception):
            view.heading.setText(self.tr("staff.selftest.title"))
            view.show_message(self.tr("staff.selftest.error",
                                      detail=f"{type(report).__name__}: {report}"), "error")
            return
        self.last_selftest = report
        self.staff.record("diag.selftest", {"source": "app", "ok": report.ok,
                                            "failed": report.failed})
        rows = check_rows(report, self.tr)
        self._check_rows = rows
        view.set_rows([(r.name, ("\u2713 " if r.ok else "\u00d7 ") + r.result, r.state, r.code,
                        r.version, r.elapsed) for r in rows])
        for i, row in enumerate(rows):
            if not row.ok:
                view.mark_row(i, "error")
        count, ms = len(rows), f"{report.total_ms:.0f}"
        view.heading.setText(
            self.tr("staff.selftest.all_passed", count=count, ms=ms) if report.ok else
            self.tr("staff.selftest.some_failed", failed=len(report.failed), count=count, ms=ms))
        first_failed = next((i for i, r in enumerate(rows) if not r.ok), 0)
        if rows:
            view.table.selectRow(first_failed)
        self._show_check()

    def _show_check(self) -> None:
        """The selected device's result in full: its error code's staff text, the detail, the
        port (the table's columns are narrow)."""
        i = self.selftest_view.selected_row()
        if i is None or i >= len(self._check_rows):
            return
        r = self._check_rows[i]
        detail = (f"{r.code} {r.detail}" if r.code else r.detail).strip()
        text = self.tr("staff.selftest.row" if detail else "staff.selftest.row_plain",
                       name=r.name, result=r.result, detail=detail)
        self.selftest_view.show_message(text, "success" if r.ok else "error")

    def test_read(self, kind: str) -> None:
        """Test read of an ID card or a bank card: shown masked; 显示完整 reveals it (audited)."""
        worker = self.workers.get(kind)
        if worker is None:
            self._tech_say(self.tr("staff.tech.no_device"), "warning")
            return
        self._last_read = None
        self.staff.record("diag.test_read", {"device": kind})
        self._tech_say(self.tr("staff.tech.insert_card"))
        self._show_output("")
        command = "read_identity" if kind == "idcard" else "read_account"
        worker.submit(command, wait=True, timeout=READ_SECONDS,
                      on_done=_Deliver(self.bridge, functools.partial(self._read_done, kind)))

    def _read_done(self, kind: str, completion: Any) -> None:
        if not completion.ok:
            self._show_output(f"{kind}: {completion.code.value} "
                              f"{getattr(completion.error, 'value', '')} {completion.detail}")
            return
        self._last_read = (kind, completion.data)
        self._show_read(reveal=False)

    def _show_read(self, reveal: bool) -> None:
        data = (self._last_read or ("", None))[1]
        if data is None:
            return
        shown = data.to_json(reveal)
        self._show_output("\n".join(f"{k:<20} {v}" for k, v in shown.items()))

    def reveal(self) -> None:
        """Personal data of the last test read in full: only once the audit log holds the
        reveal (a reveal the log cannot record stays masked)."""
        if getattr(self, "_last_read", None) is None:
            return
        try:
            self.staff.record("diag.reveal", {"device": self._last_read[0]})
        except OSError as exc:
            self._tech_say(f"AUDIT-UNWRITABLE {exc}", "error")
            return
        self._show_read(reveal=True)

    def keytest(self) -> None:
        """PIN-pad key test in plain mode (never PIN mode): the names of the keys pressed
        until 确认 or 取消."""
        pad = self.workers.get("pinpad")
        if pad is None:
            self._tech_say(self.tr("staff.tech.no_device"), "warning")
            return
        self.staff.record("diag.keytest", {})
        self._tech_say(self.tr("staff.tech.press_keys"))
        self._show_output("")
        pad.submit("keytest", KEYTEST_SECONDS, timeout=KEYTEST_SECONDS + 5,
                   on_done=_Deliver(self.bridge, self._keytest_done))

    def _keytest_done(self, completion: Any) -> None:
        names = list(completion.data or []) if completion.ok else []
        self.last_keys = names
        self._show_output(self.tr("staff.tech.keys", keys=" ".join(names) or "-"))

    def test_print(self) -> None:
        from kiosk.receipts.model import ReceiptHeader, TestPage
        from kiosk.receipts.templates import render

        printer = self.workers.get("printer")
        if printer is None:
            return
        now = dt.datetime.now().replace(microsecond=0)
        page = TestPage(ReceiptHeader(self.config.terminal.id,
                                      self.config.terminal.service_point,
                                      f"T{now:%Y%m%d%H%M%S}", now))
        self.staff.record("diag.test_print", {})
        printer.submit("print_receipt", render(page, self.tr), on_done=_Deliver(
            self.bridge, self._test_printed))

    def _test_printed(self, completion: Any) -> None:
        self._tech_say(self.tr("staff.tech.printed" if completion.ok
                               else "staff.tech.print_failed") + f" {completion.detail}",
                       "success" if completion.ok else "error")

    def netcheck(self) -> None:
        from kiosk.technician.netcheck import check_host

        host = self.workers.get("host")
        settings = getattr(getattr(host, "device", None), "settings", None)
        if settings is None:
            self._tech_say(self.tr("staff.tech.no_host"), "warning")
            return
        self.staff.record("diag.netcheck", {})
        self._tech_say(self.tr("staff.tech.running"))
        self._background("netcheck", lambda: check_host(
            settings.url, settings.terminal_id, ca_file=settings.ca_file,
            cert_file=settings.cert_file, key_file=settings.key_file,
            timeout=settings.connect_timeout,
            max_skew_seconds=self.config.clock.max_skew_seconds),
            self._netchecked)

    def _netchecked(self, result: Any) -> None:
        if isinstance(result, Exception):
            self._tech_say(f"{type(result).__name__}: {result}", "error")
            return
        ok = bool(getattr(result, "ok", False))
        self._tech_say(self.tr("staff.tech.netcheck_ok" if ok else "staff.tech.netcheck_failed"),
                       "success" if ok else "error")
        self._show_output(result.text())

    def export(self, dest: Path | None = None) -> None:
        from kiosk.technician.export import export_bundle

        target = dest or (self.state_dir / "exports")
        self._tech_say(self.tr("staff.tech.running"))
        self._background("export", lambda: export_bundle(self.state_dir, target,
                                                         self.config.terminal.id),
                         self._exported)

    def _exported(self, result: Any) -> None:
        if isinstance(result, Exception):
            self._tech_say(f"{type(result).__name__}: {result}", "error")
            return
        self.staff.record("diag.export", {"file": result.path.name, "bytes": result.size,
                                          "sha256": result.sha256})
        self._tech_say(self.tr("staff.tech.exported", path=str(result.path)), "success")

    def show_config(self) -> None:
        from kiosk.technician.config_view import config_view, versions

        self.staff.record("diag.config_view", {})
        self._tech_say("")
        self._show_output(json.dumps({"versions": versions(),
                                      "config": config_view(self.config)},
                                     ensure_ascii=False, indent=1))

    def set_out_of_service(self, out: bool, reason: str = "technician") -> None:
        """Out of service with a reason, or back (the modes chart; audited)."""
        if self.modes is not None:
            self.modes.force_out_of_service(reason if out else None)
        self.staff.record("diag.out_of_service" if out else "diag.in_service",
                          {"reason": reason if out else None})
        self._tech_say(self.tr("staff.tech.out_of_service_now" if out
                               else "staff.tech.in_service_now"),
                       "warning" if out else "success")

    # --- key ceremony (kiosk/technician/ceremony.py; the same as kiosk diag pinpad load-keys)

    def key_ceremony(self) -> None:
        """密钥灌注: two custodians' components into the PIN pad's master key slot."""
        from kiosk.technician.ceremony import KeyCeremony

        pad = self.workers.get("pinpad")
        if pad is None or not pad.running:
            self._tech_say(self.tr("staff.tech.no_device"), "warning")
            return
        self.ceremony = KeyCeremony(self._ceremony_record)
        self.ceremony_view.show_message("")
        self._ceremony_step()
        self.shell.show_screen(self.ceremony_view)

    def _ceremony_record(self, action: str, detail: Mapping[str, Any]) -> None:
        self.staff.record(action, {"device": "pinpad", **detail})

    def _ceremony_step(self) -> None:
        c = self.ceremony
        if c is None:
            return
        kcvs = "  ".join(self.tr("staff.ceremony.part_kcv", n=n, kcv=k)
                         for n, k in enumerate(c.component_kcvs, 1))
        if c.kcv is not None:
            step = self.tr("staff.ceremony.done")
        elif c.complete:
            step = self.tr("staff.ceremony.ready")
        else:
            step = self.tr("staff.ceremony.step", n=c.next_custodian)
        self.ceremony_view.set_algorithm(c.algorithm.value, changeable=not c.started)
        self.ceremony_view.ask(step, kcvs, can_add=not c.complete and c.kcv is None,
                               can_load=c.complete and c.kcv is None and bool(c.components))

    def _ceremony_algorithm(self, name: str) -> None:
        from devices.crypto import Algorithm

        if self.ceremony is not None and not self.ceremony.started:
            self.ceremony.algorithm = Algorithm(name)
            self._ceremony_step()

    def _ceremony_add(self, custodian: str, component: str) -> None:
        from kiosk.technician.ceremony import CeremonyError

        c, view = self.ceremony, self.ceremony_view
        if c is None:
            return
        self.staff.touch()
        if not custodian:
            view.show_message(self.tr("staff.ceremony.no_custodian"), "warning")
            return
        if custodian in c.custodians:
            view.custodian.clear()  # the next custodian types their own number
            view.show_message(self.tr("staff.ceremony.same_custodian"), "warning")
            return
        try:
            if not c.started:
                c.start()  # audited first: no ceremony the log does not know of
            check = c.add(component, custodian)
        except CeremonyError:
            view.show_message(self.tr("staff.ceremony.bad_component"), "error")
            return
        except OSError as exc:
            self.ceremony = None
            view.show_message(self.tr("staff.ceremony.audit_failed", detail=str(exc)), "error")
            view.ask("", "", can_add=False, can_load=False)
            return
        n = len(c.component_kcvs)
        self._ceremony_step()
        view.show_message(self.tr("staff.ceremony.part_added", n=n, kcv=check), "success")

    def _ceremony_load(self) -> None:
        c, pad = self.ceremony, self.workers.get("pinpad")
        if c is None or not c.complete or pad is None:
            return
        self.staff.touch()
        self.ceremony_view.load_button.setEnabled(False)
        self.ceremony_view.show_message(self.tr("staff.ceremony.loading"))
        pad.submit("load_master_key", c.take_components(), c.algorithm, c.slot,
                   on_done=_Deliver(self.bridge, self._ceremony_loaded))

    def _ceremony_loaded(self, completion: Any) -> None:
        from kiosk.errors import code_for_completion

        c, view = self.ceremony, self.ceremony_view
        if c is None:
            return
        if not completion.ok:
            code = code_for_completion(completion, "pinpad")
            self._ceremony_end("load_failed")
            view.show_message(self.tr("staff.ceremony.failed", code=code,
                                      detail=completion.detail), "error")
            view.ask("", "", can_add=False, can_load=False)
            return
        pad = self.workers.get("pinpad")
        slot = getattr(getattr(pad, "device", None), "master_slot", None)
        try:
            check = c.loaded(completion.data, slot)
        except OSError as exc:  # loaded, but the record could not be written: say so
            check = completion.data.hex().upper()
            view.show_message(self.tr("staff.ceremony.audit_failed", detail=str(exc)),
                              "error")
        else:
            view.show_message(self.tr("staff.ceremony.loaded", kcv=check), "success")
        self.last_ceremony_kcv = check
        self._ceremony_step()
        view.cancel_button.setText(self.tr("common.back"))

    def _ceremony_cancel(self) -> None:
        if self.ceremony is not None and self.ceremony.kcv is None:
            self._ceremony_end("cancelled")
        self.ceremony = None
        self.ceremony_view.cancel_button.setText(self.tr("common.cancel"))
        self.show_tech_home()

    def _ceremony_end(self, reason: str) -> None:
        c, self.ceremony = self.ceremony, None
        if c is None:
            return
        try:
            c.abort(reason)
        except OSError as exc:
            log.warning("key ceremony %s not audited (%s)", reason, exc)
