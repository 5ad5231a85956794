"""The transactions service: every money (and contract) request through the journal, exactly
once (ARCHITECTURE.md §6). Qt-free; see ``docs/money.md`` for how a journey uses it.

    service = TransactionsService.open(state_dir, terminal_id, client, MoneySettings())
    ok, reason = service.money_available()      # (False, "JOURNAL-UNRESOLVED") etc.
    result = service.drawdown(customer_id=..., line_id=..., amount="3000.00", months=12,
                              method="equal-installment", pan=pan, pin_block=block)
    result.outcome    # Outcome.SUCCESS (成功) | FAILED (失败) | PENDING (处理中，请勿重复操作)
    ...print the receipt or the 处理中 slip...
    service.mark_receipt_printed(result.serial)

Each call:

1. refuses at once, before anything is written or sent, when money is unavailable (journal
   corrupt / missing / read-only / disk full, unresolved rows left): :class:`MoneyRefused`
   with the error code;
2. commits a PREPARED row (key = terminal id + journal epoch + serial, fsynced), then SENT,
   then sends the body with the key and the PIN pad's MAC;
3. records CONFIRMED or DECLINED from an answer; a timeout, a reset, a 5xx or an unreadable
   answer gives UNKNOWN, never "failed";
4. resolves UNKNOWN on the spot with ``GET /v1/transactions/{key}`` and back-off (for up to
   ``resolve_seconds``); when the host has no record yet it resends the *same bytes with the
   same key* (the host applies a key at most once), and only once no copy of the request can
   still be in flight (``in_flight_seconds`` after the last send) does "no record" count as
   "not applied" (DECLINED, reason ``not_applied``).

What is still UNKNOWN after that comes back as ``Outcome.PENDING``: the farmer sees 处理中,
gets a slip, and :meth:`recover` (run at start-up, on reconnect and by the background
resolver) settles it later; money journeys stay unavailable until it is settled.

Blocking calls: run them off the GUI thread. Give the service its own :class:`HostClient`
(not the host worker's): a client is not thread-safe, and the service serialises its own use of
it with a lock so the background resolver and a journey never share a session.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from devices.base import DeviceError
from kiosk.host import models as m
from kiosk.host.client import HostClient, request_digest
from kiosk.host.errors import HostCallError, HostErrorCode
from kiosk.masking import mask_pan
from offline_queue.db import JournalError, now_text
from offline_queue.journal import (
    REASON_NOT_APPLIED,
    REASON_NOT_SENT,
    Journal,
    StateError,
    TxKind,
    TxRow,
    TxState,
)
from offline_queue.outbox import (
    Forwarder,
    Outbox,
    OutboxItem,
    OutboxStats,
    SendOutcome,
    SendResult,
)

log = logging.getLogger(__name__)

UNRESOLVED_CODE = "JOURNAL-UNRESOLVED"


class Outcome(StrEnum):
    """What the farmer is told."""

    SUCCESS = "success"   # 成功
    FAILED = "failed"     # 失败 (no money moved)
    PENDING = "pending"   # 处理中，请勿重复操作


class Step(StrEnum):
    """Boundaries of one money request, reported to ``on_step`` (tracing; the chaos test
    kills the process at them)."""

    BEFORE_PREPARE = "before_prepare"
    PREPARED = "prepared"            # PREPARED committed
    SENT_MARKED = "sent_marked"      # SENT committed, nothing on the wire yet
    ANSWERED = "answered"            # the host's answer (or failure) is in, not yet journaled
    RECORDED = "recorded"            # the state after the answer is committed
    RESOLVED = "resolved"            # a status query settled the row


@dataclass(frozen=True)
class MoneySettings:
    """How hard the service tries on the spot, and when "no record" means "not applied".

    ``in_flight_seconds`` must exceed connect + read timeout + the longest time the host may
    hold a request before applying it: until then a request the host has no record of may still
    arrive and be applied, so it is not declared failed.
    """

    resolve_seconds: float = 30.0
    backoff: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 8.0)
    in_flight_seconds: float = 120.0
    max_resends: int = 2
    min_free_bytes: int = 1 << 20
    outbox_backoff: Sequence[float] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)

    @classmethod
    def from_config(cls, config: Any) -> MoneySettings:
        """From a :class:`kiosk.config.KioskConfig` (its ``[money]`` section)."""
        money = config.money
        return cls(resolve_seconds=money.resolve_seconds,
                   in_flight_seconds=money.in_flight_seconds,
                   min_free_bytes=money.min_free_bytes)


class MoneyRefused(Exception):
    """Refused before anything was sent; ``code`` is a ``JOURNAL-...`` error code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class TxResult:
    """The end of one money call as the journey sees it."""

    serial: int
    key: str
    kind: str
    state: TxState
    amount: Decimal | None
    host_ref: str | None = None
    reason: str | None = None            # a decline's host code, not_sent, not_applied
    answer: Any = None                   # the host's answer model when confirmed on the spot
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> Outcome:
        if self.state is TxState.CONFIRMED:
            return Outcome.SUCCESS
        if self.state is TxState.DECLINED:
            return Outcome.FAILED
        return Outcome.PENDING

    @property
    def receipt_result(self) -> Any:
        """What the receipt says (``kiosk.receipts.model.TxnResult``: 成功 / 处理中 / 失败)."""
        from kiosk.receipts.model import TxnResult

        return {Outcome.SUCCESS: TxnResult.SUCCESS, Outcome.FAILED: TxnResult.FAILED,
                Outcome.PENDING: TxnResult.PROCESSING}[self.outcome]

    @property
    def message_id(self) -> str:
        """The catalog id of what the farmer reads (``money.outcome.<outcome>``)."""
        return f"money.outcome.{self.outcome.value}"

    @classmethod
    def of(cls, row: TxRow, answer: Any = None) -> TxResult:
        return cls(row.serial, row.key, row.kind, row.state, row.amount, row.host_ref,
                   row.reason, answer, dict(row.detail))


@dataclass(frozen=True)
class RecoveryReport:
    """What :meth:`TransactionsService.recover` did."""

    resolved: tuple[TxRow, ...]
    unresolved: tuple[TxRow, ...]
    reprint: tuple[TxRow, ...]

    @property
    def clean(self) -> bool:
        return not self.unresolved


class _Query(StrEnum):
    FINAL = "final"
    NOT_FOUND = "not_found"
    NO_ANSWER = "no_answer"


#: Refusals the host does not record under the key (the same key may be sent again).
NOT_RECORDED = frozenset({HostErrorCode.NOT_SIGNED_IN, HostErrorCode.MAC_INVALID,
                          HostErrorCode.DAY_END, HostErrorCode.UNAVAILABLE})


def _uncertain(exc: HostCallError) -> bool:
    """After this failure the request may have been applied: resolve by key."""
    status = exc.info.http_status
    return exc.outcome_unknown or status is None or status >= 500 or exc.response_invalid


@dataclass
class _Request:
    """What one send needs; ``body`` is kept in memory only (it holds the PAN and PIN
    block), so after a crash a row is resolved by status query alone."""

    path: str
    body: dict[str, Any]
    model: type[Any]
    keyed: bool            # host idempotent on the key (money paths) -> resends are safe


class TransactionsService:
    """Money through the journal. Construct with :meth:`open` (which never raises: a journal
    that cannot be opened makes :meth:`money_available` say why)."""

    def __init__(self, journal: Journal | None, client: HostClient | None,
                 settings: MoneySettings | None = None, *, problem: JournalError | None = None,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep,
                 on_step: Callable[[Step, TxRow | None], None] | None = None,
                 clock_guard: Any = None) -> None:
        self.journal = journal
        self.clock_guard = clock_guard  # kiosk.clock.ClockGuard: no money on a skewed clock
        self.client = client
        self.settings = settings or MoneySettings()
        self.problem = problem
        self.clock = clock
        self.sleep = sleep
        self.on_step = on_step
        self._lock = threading.RLock()
        self.outbox = Outbox(journal, clock) if journal is not None else None
        self.forwarder: Forwarder | None = None
        if self.outbox is not None and client is not None:
            self.forwarder = Forwarder(self.outbox, host_sender(client, self._lock),
                                       self.settings.outbox_backoff, clock)
        self._resolver: threading.Thread | None = None
        self._stop = threading.Event()
        self._kick = threading.Event()

    @classmethod
    def open(cls, state_dir: Path, terminal_id: str, client: HostClient | None,
             settings: MoneySettings | None = None, **kwargs: Any) -> TransactionsService:
        """Open the journal in ``state_dir``; a corrupt, missing, read-only or full one is
        reported (kept aside when corrupt), never replaced."""
        settings = settings or MoneySettings()
        try:
            journal = Journal.open(state_dir, terminal_id,
                                   min_free_bytes=settings.min_free_bytes,
                                   clock=kwargs.get("clock", time.time))
        except JournalError as exc:
            log.error("journal unavailable: %s %s", exc.code, exc.detail)
            return cls(None, client, settings, problem=exc, **kwargs)
        return cls(journal, client, settings, **kwargs)

    def close(self) -> None:
        self.stop_background()
        if self.journal is not None:
            self.journal.close()
        if self.client is not None:  # its keep-alive connections: a host stops without waiting
            self.client.close()

    # --- availability ----------------------------------------------------------------------

    def money_available(self) -> tuple[bool, str | None]:
        """Whether a money journey may start now, else the error code of why not
        (``JOURNAL-CORRUPT``, ``-MISSING``, ``-READ-ONLY``, ``-DISK-FULL``, ``-UNRESOLVED``,
        ``-TOO-NEW``, ``-UNAVAILABLE``; ``CLK-SKEW``/``CLK-UNKNOWN`` from ``clock_guard``).
        Cheap: a statvfs and one COUNT."""
        reason = self._refusal()
        return (reason is None, None if reason is None else reason[0])

    def _refusal(self) -> tuple[str, str] | None:
        if self.problem is not None:
            return self.problem.code, self.problem.detail
        if self.journal is None:
            return "JOURNAL-UNAVAILABLE", "no journal"
        try:
            self.journal.check_writable()
            unresolved = self.journal.unresolved_count()
        except JournalError as exc:
            return exc.code, exc.detail
        if unresolved:
            return UNRESOLVED_CODE, f"{unresolved} unresolved"
        if self.clock_guard is not None:
            refusal = self.clock_guard.money_refusal()
            if refusal is not None:
                return refusal.code, refusal.detail()
        return None

    def _require(self) -> Journal:
        reason = self._refusal()
        if reason is not None:
            raise MoneyRefused(*reason)
        assert self.journal is not None
        return self.journal

    # --- the journeys' calls ---------------------------------------------------------------

    def drawdown(self, *, customer_id: str, line_id: str, amount: Decimal | str, months: int,
                 method: str, pan: str, pin_block: str | bytes, purpose: str | None = None,
                 authorization_id: str | None = None, staff_id: str | None = None) -> TxResult:
        """借款: a drawdown against the credit line (money; idempotent key + MAC)."""
        body = HostClient.drawdown_body(customer_id, line_id, amount, months, method, pan,
                                        pin_block, purpose, authorization_id, now_text())
        return self._money(TxKind.DRAWDOWN, customer_id, amount, pan, staff_id,
                           {"line_id": line_id, "months": months, "method": method},
                           _Request("/v1/drawdowns", body, m.DrawdownResponse, True))

    def repay(self, *, customer_id: str, loan_id: str, kind: str, amount: Decimal | str,
              pan: str, pin_block: str | bytes, option: str | None = None,
              staff_id: str | None = None) -> TxResult:
        """还款: a repayment of ``loan_id`` (money; idempotent key + MAC)."""
        body = HostClient.repay_body(customer_id, loan_id, kind, amount, pan, pin_block,
                                     option, now_text())
        return self._money(TxKind.REPAYMENT, customer_id, amount, pan, staff_id,
                           {"loan_id": loan_id, "repay_kind": kind},
                           _Request("/v1/repayments", body, m.RepaymentResponse, True))

    def sign_line(self, *, line_id: str, customer_id: str, pan: str, pin_block: str | bytes,
                  signature_png_base64: str | None, contract_version: str,
                  consents: Mapping[str, bool], staff_id: str | None = None,
                  witness: Mapping[str, str] | None = None) -> TxResult:
        """额度签约: journaled like money and MAC'd (the MAC covers the picture or the
        witness record); an uncertain answer is settled by reading the line, never by
        signing again. ``witness`` (见证签约: method, staff_id, mode, authorization_id)
        instead of a picture; the journal row keeps its method, staff id and mode. No
        receipt is owed by the service (the journey prints the contract summary)."""
        body = HostClient.sign_line_body(customer_id, pan, pin_block, signature_png_base64,
                                         contract_version, consents, witness)
        detail: dict[str, Any] = {"line_id": line_id, "contract_version": contract_version}
        if witness is not None:
            detail.update(method=witness["method"], witness_staff_id=witness["staff_id"],
                          mode=witness["mode"])
        return self._money(TxKind.SIGNING, customer_id, None, pan, staff_id, detail,
                           _Request(HostClient.sign_line_path(line_id), body, m.CreditLine,
                                    False), receipt_required=False)

    def change_repayment_account(self, *, loan_id: str, customer_id: str, new_pan: str,
                                 pin_block: str | bytes, authorization_id: str,
                                 staff_id: str | None = None) -> TxResult:
        """变更还款账户: journaled; an uncertain answer is settled by reading the loan."""
        body = HostClient.repayment_account_body(customer_id, new_pan, pin_block,
                                                 authorization_id)
        return self._money(TxKind.ACCOUNT_CHANGE, customer_id, None, new_pan, staff_id,
                           {"loan_id": loan_id, "new_account_masked": mask_pan(new_pan)},
                           _Request(HostClient.repayment_account_path(loan_id), body,
                                    m.RepaymentAccountResponse, False))

    def check(self, serial: int) -> TxResult:
        """再查一次 on a 处理中 screen: settle what is unresolved (as at start-up: by the status
        query or by reading the line or loan), then row ``serial`` as it stands."""
        self.recover()
        row = self._journal().get(serial)
        if row is None:
            raise MoneyRefused("JOURNAL-UNAVAILABLE", f"no journal row {serial}")
        return TxResult.of(row)

    def mark_receipt_printed(self, serial: int) -> TxRow:
        """The receipt (or the 处理中 slip) of ``serial`` was printed."""
        journal = self._journal()
        return journal.mark_receipt_printed(serial)

    # --- the one path every request takes --------------------------------------------------

    def _step(self, step: Step, row: TxRow | None) -> None:
        if self.on_step is not None:
            self.on_step(step, row)

    def _journal(self) -> Journal:
        if self.journal is None:
            code, detail = self._refusal() or ("JOURNAL-UNAVAILABLE", "no journal")
            raise MoneyRefused(code, detail)
        return self.journal

    def _money(self, kind: TxKind, customer_id: str, amount: Decimal | str | None, pan: str,
               staff_id: str | None, detail: dict[str, Any], request: _Request,
               receipt_required: bool = True) -> TxResult:
        if self.client is None:
            raise MoneyRefused("JOURNAL-UNAVAILABLE", "no host client")
        with self._lock:
            journal = self._require()
            self._step(Step.BEFORE_PREPARE, None)
            try:
                row = journal.prepare(kind, customer_id, amount, request_digest(request.body),
                                      account_masked=mask_pan(pan), staff_id=staff_id,
                                      detail=detail, receipt_required=receipt_required)
            except JournalError as exc:
                raise MoneyRefused(exc.code, exc.detail) from None
            self._step(Step.PREPARED, row)
            try:
                row = journal.move(row.serial, TxState.SENT, sent=True)
            except JournalError as exc:  # nothing sent; recovery ends the row not_sent
                raise MoneyRefused(exc.code, exc.detail) from None
            except StateError as exc:  # another process ended the row meanwhile: not sent
                raise MoneyRefused("JOURNAL-UNAVAILABLE", str(exc)) from None
            self._step(Step.SENT_MARKED, row)
            try:
                row, answer = self._send(row, request)
                if row.state is TxState.UNKNOWN:
                    row, answer = self._settle(row, request,
                                               self.clock() + self.settings.resolve_seconds)
            except JournalError as exc:
                # Sent, but the answer could not be journaled: honest 处理中; recovery asks
                # the host by key once the journal can be written again.
                log.error("journal write failed after sending %s: %s", row.key, exc.detail)
                self._kick.set()
                return TxResult(row.serial, row.key, row.kind, TxState.UNKNOWN, row.amount,
                                reason=exc.code, detail=dict(row.detail))
            if not row.final:
                self._kick.set()  # 处理中: the background resolver starts its back-off now
            return TxResult.of(row, answer)

    def _send(self, row: TxRow, request: _Request) -> tuple[TxRow, Any]:
        """One send of ``request`` for ``row`` (SENT, or UNKNOWN for a resend) and the
        journaled result."""
        assert self.client is not None and self.journal is not None
        try:
            if request.keyed:
                answer = self.client.post_money(request.path, request.body, row.key,
                                                request.model)
            else:
                answer = self.client.post_contract(request.path, request.body,
                                                   request.model, row.key)
        except HostCallError as exc:
            self._step(Step.ANSWERED, row)
            resend = row.state is TxState.UNKNOWN
            if _uncertain(exc):
                row = self.journal.move(row.serial, TxState.UNKNOWN, reason=exc.host_code.code,
                                        note=f"{exc.host_code.code}: outcome unknown")
            elif resend and exc.host_code in NOT_RECORDED:
                # The host refused the resend without recording it; the first send may still
                # be in flight: the row stays UNKNOWN for the status query.
                row = self.journal.move(row.serial, TxState.UNKNOWN, reason=exc.host_code.code,
                                        note=f"resend refused ({exc.host_code.code})")
            else:
                row = self.journal.move(row.serial, TxState.DECLINED, reason=exc.host_code.code,
                                        note=exc.info.host_code or exc.host_code.code)
            self._step(Step.RECORDED, row)
            return row, None
        except DeviceError as exc:
            # The PIN pad's MAC failed (or no MAC provider): nothing went on the wire. For a
            # resend the first send may still be in flight: stays UNKNOWN.
            self._step(Step.ANSWERED, row)
            code = str(getattr(exc, "error", "") or "mac")
            if row.state is TxState.UNKNOWN:
                row = self.journal.move(row.serial, TxState.UNKNOWN,
                                        note=f"resend not sent: {code}")
            else:
                row = self.journal.move(row.serial, TxState.DECLINED, reason=REASON_NOT_SENT,
                                        note=f"not sent: {code}")
            self._step(Step.RECORDED, row)
            return row, None
        self._step(Step.ANSWERED, row)
        row = self._confirm(row, answer)
        self._step(Step.RECORDED, row)
        return row, answer

    def _confirm(self, row: TxRow, answer: Any) -> TxRow:
        assert self.journal is not None
        fields = answer.model_dump(mode="json") if hasattr(answer, "model_dump") else dict(answer)
        return self.journal.move(
            row.serial, TxState.CONFIRMED, host_ref=_host_ref(fields),
            business_date=fields.get("business_date"), acct_date=fields.get("acct_date"),
            detail=_result_detail(fields), note="confirmed")

    def _settle(self, row: TxRow, request: _Request | None, deadline: float) -> tuple[TxRow, Any]:
        """Status queries with back-off until ``row`` is final or ``deadline`` passes."""
        resends = 0
        attempt = 0
        answer: Any = None
        while True:
            verdict, row = self._query(row)
            if row.final:
                return row, answer
            if verdict is _Query.NOT_FOUND:
                if (request is not None and request.keyed
                        and resends < self.settings.max_resends):
                    resends += 1
                    assert self.journal is not None
                    row = self.journal.move(row.serial, TxState.UNKNOWN, sent=True,
                                            note="no record at the host: resent, same key")
                    row, answer = self._send(row, request)
                    if row.final:
                        return row, answer
                elif self._surely_not_in_flight(row):
                    return self._not_applied(row), None
            if self.clock() >= deadline:
                return row, answer
            self.sleep(self.settings.backoff[min(attempt, len(self.settings.backoff) - 1)])
            attempt += 1

    def _surely_not_in_flight(self, row: TxRow) -> bool:
        sent = row.last_sent_ts
        if sent is None:  # a row from before schema 3: its last change is the last send
            sent = dt.datetime.fromisoformat(row.updated).timestamp()
        return self.clock() - sent >= self.settings.in_flight_seconds

    def _not_applied(self, row: TxRow) -> TxRow:
        assert self.journal is not None
        row = self.journal.move(row.serial, TxState.DECLINED, reason=REASON_NOT_APPLIED,
                                note="host has no record and nothing can be in flight")
        self._step(Step.RESOLVED, row)
        return row

    def _query(self, row: TxRow) -> tuple[_Query, TxRow]:
        """Ask the host what became of ``row``; journal a final answer."""
        assert self.client is not None and self.journal is not None
        try:
            if row.kind in (TxKind.DRAWDOWN, TxKind.REPAYMENT):
                status = self.client.transaction(row.key)
            elif row.kind == TxKind.SIGNING:
                return self._query_signing(row)
            elif row.kind == TxKind.ACCOUNT_CHANGE:
                return self._query_account(row)
            else:
                return _Query.NO_ANSWER, row
        except HostCallError as exc:
            if exc.host_code is HostErrorCode.TXN_NOT_FOUND:
                return _Query.NOT_FOUND, row
            return _Query.NO_ANSWER, row
        if status.status == "CONFIRMED":
            fields = dict(status.result)
            row = self.journal.move(
                row.serial, TxState.CONFIRMED, host_ref=_host_ref(fields),
                business_date=fields.get("business_date"),
                acct_date=fields.get("acct_date") or status.acct_date.isoformat(),
                detail=_result_detail(fields), note="status query: confirmed")
        else:
            code = str(status.result.get("code") or f"HTTP {status.http_status}")
            row = self.journal.move(row.serial, TxState.DECLINED, reason=code,
                                    acct_date=status.acct_date.isoformat(),
                                    note=f"status query: declined {code}")
        self._step(Step.RESOLVED, row)
        return _Query.FINAL, row

    def _query_signing(self, row: TxRow) -> tuple[_Query, TxRow]:
        assert self.client is not None
        line = self.client.credit_line(row.customer_ref)
        if line.signed and line.contract_no:
            return self._confirmed_by_reading(row, line.contract_no, line, "line read: signed")
        return _Query.NOT_FOUND, row

    def _query_account(self, row: TxRow) -> tuple[_Query, TxRow]:
        assert self.client is not None
        loans = self.client.loans(row.customer_ref)
        for loan in loans.loans:
            if loan.loan_id == row.detail.get("loan_id") and (
                    loan.repayment_account_masked == row.detail.get("new_account_masked")):
                return self._confirmed_by_reading(row, loan.loan_id, loans,
                                                  "loan read: account changed")
        return _Query.NOT_FOUND, row

    def _confirmed_by_reading(self, row: TxRow, host_ref: str, answer: m.HostClock,
                              note: str) -> tuple[_Query, TxRow]:
        """A contract request whose effect the host shows (no key to query by)."""
        assert self.journal is not None
        row = self.journal.move(row.serial, TxState.CONFIRMED, host_ref=host_ref,
                                business_date=answer.business_date.isoformat(),
                                acct_date=answer.acct_date.isoformat(), note=note)
        self._step(Step.RESOLVED, row)
        return _Query.FINAL, row

    # --- recovery --------------------------------------------------------------------------

    def recover(self, wait_seconds: float = 0.0) -> RecoveryReport:
        """Settle every PREPARED / SENT / UNKNOWN row against the host (start-up, reconnect,
        ``kiosk journal recover``). PREPARED rows were never sent (SENT is committed before the
        first byte) and end DECLINED ``not_sent`` without the host. With ``wait_seconds`` it
        keeps querying with back-off until nothing is left or the time is up."""
        journal = self._journal()
        deadline = self.clock() + wait_seconds
        resolved: list[TxRow] = []
        attempt = 0
        while True:
            left: list[TxRow] = []
            with self._lock:
                for row in journal.unresolved():
                    try:
                        done: TxRow | None = self._recover_row(row)
                    except StateError:  # another process settled it meanwhile
                        done = journal.get(row.serial)
                    assert done is not None
                    (resolved if done.final else left).append(done)
            if not left or self.client is None or self.clock() >= deadline:
                return RecoveryReport(tuple(resolved), tuple(left),
                                      tuple(journal.reprint_due()))
            self.sleep(min(self.settings.backoff[min(attempt, len(self.settings.backoff) - 1)],
                           max(0.0, deadline - self.clock())))
            attempt += 1

    def _recover_row(self, row: TxRow) -> TxRow:
        assert self.journal is not None
        if row.state is TxState.PREPARED:
            row = self.journal.move(row.serial, TxState.DECLINED, reason=REASON_NOT_SENT,
                                    note="recovery: prepared, never sent")
            self._step(Step.RESOLVED, row)
            return row
        if self.client is None:
            return row
        if row.state is TxState.SENT:
            # The process ended with the request on its way: its outcome is unknown.
            row = self.journal.move(row.serial, TxState.UNKNOWN, note="recovery: was SENT")
        verdict, row = self._query(row)
        if verdict is _Query.NOT_FOUND and self._surely_not_in_flight(row):
            row = self._not_applied(row)
        return row

    # --- background: resolver + outbox forwarder ---------------------------------------------

    def start_background(self, interval: float = 30.0) -> None:
        """A thread that re-runs :meth:`recover` while rows are unresolved (with the settings'
        back-off, at most every ``interval`` seconds when idle) and the outbox forwarder."""
        if self.journal is None or self._resolver is not None:
            return
        if self.forwarder is not None:
            self.forwarder.start()
        self._stop.clear()

        def run() -> None:
            attempt = 0
            while not self._stop.is_set():
                try:
                    report = self.recover()
                    pending = bool(report.unresolved)
                except Exception:
                    log.exception("background resolver")
                    pending = True
                if pending:
                    wait = self.settings.backoff[min(attempt, len(self.settings.backoff) - 1)]
                    attempt += 1
                else:
                    wait, attempt = interval, 0
                self._kick.wait(wait)
                self._kick.clear()

        self._resolver = threading.Thread(target=run, name="money-resolver", daemon=True)
        self._resolver.start()

    def host_back(self) -> None:
        """The host answered again: resolve and forward now (the terminal service calls it)."""
        self._kick.set()
        if self.forwarder is not None:
            self.forwarder.wake()

    def stop_background(self) -> None:
        self._stop.set()
        self._kick.set()
        if self._resolver is not None:
            self._resolver.join(10)
            self._resolver = None
        if self.forwarder is not None:
            self.forwarder.stop()

    # --- outbox ------------------------------------------------------------------------------

    def enqueue(self, kind: str, body: Mapping[str, Any]) -> OutboxItem:
        """Queue a non-money message (``intention``, ``application``, ...) durably; the
        forwarder sends it in order when the host is reachable. Works with the host offline."""
        if self.outbox is None:
            code, detail = self._refusal() or ("JOURNAL-UNAVAILABLE", "no journal")
            raise MoneyRefused(code, detail)
        try:
            item = self.outbox.enqueue(kind, body)
        except JournalError as exc:
            raise MoneyRefused(exc.code, exc.detail) from None
        if self.forwarder is not None:
            self.forwarder.wake()
        return item

    def register_intention(self, *, phone: str, amount: Decimal | str, purpose: str,
                           consent: bool, id_number: str | None = None,
                           customer_id: str | None = None, name: str | None = None,
                           village: str | None = None,
                           visit_time: str | None = None) -> OutboxItem:
        """贷款意向登记 through the outbox (recorded now, delivered when the host is up);
        ``visit_time``: when the loan officer may come (morning, afternoon, any)."""
        body = {"phone": phone, "amount": f"{Decimal(str(amount)):.2f}", "purpose": purpose,
                "consent": consent, "id_number": id_number, "customer_id": customer_id,
                "name": name, "village": village, "visit_time": visit_time,
                "recorded_at": now_text()}
        return self.enqueue("intention", {k: v for k, v in body.items() if v is not None})

    def outbox_stats(self) -> OutboxStats | None:
        return None if self.outbox is None else self.outbox.stats()

    def summary(self) -> dict[str, Any]:
        """For the heartbeat and the staff view: unresolved keys, reprints owed, outbox depth
        and age, and whether money is available (with the reason)."""
        ok, reason = self.money_available()
        out: dict[str, Any] = {"money_available": ok, "reason": reason}
        if self.journal is not None:
            out["unresolved"] = [r.key for r in self.journal.unresolved()]
            out["reprint_due"] = [r.serial for r in self.journal.reprint_due()]
        stats = self.outbox_stats()
        if stats is not None:
            out["outbox_depth"] = stats.depth
            out["outbox_age_seconds"] = (None if stats.age_seconds is None
                                         else round(stats.age_seconds, 1))
            out["outbox_rejected"] = stats.rejected
        return out


def _host_ref(fields: Mapping[str, Any]) -> str | None:
    for name in ("serial", "contract_no", "repayment_id", "loan_id"):
        if fields.get(name):
            return str(fields[name])
    return None


#: The answer fields a row keeps (host ids and masked values only).
_KEEP = ("loan_id", "contract_no", "repayment_id", "account_masked", "first_due_date",
         "first_payment", "total_interest", "loan_status", "outstanding_principal",
         "next_due_date", "next_due_amount", "line_available")


def _result_detail(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in _KEEP if fields.get(k) is not None}


# --- the outbox's sender -------------------------------------------------------------------

#: Outbox kinds and the host call that delivers them (the item's key as Idempotency-Key).
OUTBOX_KINDS: Mapping[str, str] = {"intention": "register_intention", "application": "apply"}


def host_sender(client: HostClient, lock: threading.RLock | None = None
                ) -> Callable[[OutboxItem], SendResult]:
    """The forwarder's sender: one attempt of one message through ``client``."""
    guard = lock or threading.RLock()

    def send(item: OutboxItem) -> SendResult:
        method = OUTBOX_KINDS.get(item.kind)
        if method is None or item.body is None:
            return SendResult(SendOutcome.REJECTED, error=f"unknown outbox kind {item.kind}")
        try:
            with guard:
                answer = getattr(client, method)(**dict(item.body), idempotency_key=item.key)
        except HostCallError as exc:
            status = exc.info.http_status
            if _uncertain(exc) or exc.host_code in (HostErrorCode.NOT_SIGNED_IN,
                                                    HostErrorCode.DAY_END) or status == 429:
                return SendResult(SendOutcome.RETRY, error=exc.host_code.code)
            return SendResult(SendOutcome.REJECTED, error=exc.host_code.code)
        except (DeviceError, OSError) as exc:
            return SendResult(SendOutcome.RETRY, error=type(exc).__name__)
        return SendResult(SendOutcome.DELIVERED, answer=_outbox_answer(answer))

    return send


def _outbox_answer(answer: Any) -> dict[str, Any]:
    fields = answer.model_dump(mode="json") if hasattr(answer, "model_dump") else dict(answer)
    keep = ("intention_id", "application_id", "status", "masked_phone", "officer_name",
            "visit_within_days", "acct_date")
    return {k: fields[k] for k in keep if k in fields}

