"""The signing chart (Qt-free).

LOADING (the line and its product from the host) -> TERMS (amount, term, rate) -> TERMS_MORE
(how repayment works, what happens when late) -> SIGN (the signature pad) -> PIN (the PIN pad)
-> SIGNING (the transactions service: journal, MAC, host) -> SUCCESS | PENDING | FAILED.
PENDING's 再查一次 goes to CHECKING (the journal row settled by reading the line) and back to
SUCCESS, FAILED or PENDING. A line already signed, or no line, is NOT_SIGNABLE; the host not
answering while loading is UNAVAILABLE.

A signature the pad refuses (empty, only dots) stays on SIGN with the reason (``refusal``);
X on the PIN pad (or 取消 on its screen) goes back to SIGN with the signature kept. Nothing
can be cancelled while the host is asked (SIGNING, CHECKING).

见证签约 (a farmer who cannot see or cannot write): instead of SIGN, WITNESS_CALL (请叫工作人员
过来见证签约; from TERMS_MORE in the audio-guided mode, from SIGN's 不会写字) -> WITNESS (the
staff member's own password: the staff controller's authorisation) -> PIN -> SIGNING with a
witness record instead of a picture. A refused, voided (staff signed out) or impossible (no
staff) authorisation is WITNESS_REFUSED: nothing signed. X on the PIN pad goes back to
WITNESS_CALL (a new authorisation is asked)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from screens.chart import FlowChart, Outcome, from_each


class SignState(Enum):
    IDLE = auto()
    LOADING = auto()
    TERMS = auto()
    TERMS_MORE = auto()
    SIGN = auto()
    WITNESS_CALL = auto()
    WITNESS = auto()
    WITNESS_REFUSED = auto()
    PIN = auto()
    SIGNING = auto()
    SUCCESS = auto()
    PENDING = auto()
    CHECKING = auto()
    FAILED = auto()
    NOT_SIGNABLE = auto()
    UNAVAILABLE = auto()
    ENDED = auto()


class SignEvent(Enum):
    START = auto()
    LOADED = auto()
    ALREADY_SIGNED = auto()
    NO_LINE = auto()
    LOAD_FAILED = auto()
    NEXT = auto()
    BACK = auto()
    SIGNATURE_OK = auto()
    SIGNATURE_REFUSED = auto()
    WITNESS = auto()        # the signing is to be witnessed (audio mode, cannot write)
    WRITE = auto()          # back from the witness call to the signature pad
    GRANTED = auto()        # the staff member authorised the witnessed signing
    REFUSED = auto()        # ... refused it, signed out, or nobody could
    WITNESS_AGAIN = auto()  # X on the PIN pad in a witnessed signing
    PIN_OK = auto()
    PIN_CANCELLED = auto()
    PIN_FAILED = auto()
    CONFIRMED = auto()
    DECLINED = auto()
    UNKNOWN = auto()
    CHECK = auto()
    FINISH = auto()
    CANCEL = auto()
    IDLE_TIMEOUT = auto()


S, E = SignState, SignEvent
#: Screens that wait for the farmer: 取消 and the idle timeout end the journey there.
WAITING = (S.TERMS, S.TERMS_MORE, S.SIGN, S.WITNESS_CALL, S.WITNESS_REFUSED, S.SUCCESS,
           S.PENDING, S.FAILED, S.NOT_SIGNABLE, S.UNAVAILABLE)
RESULTS = (S.SUCCESS, S.PENDING, S.FAILED, S.WITNESS_REFUSED, S.NOT_SIGNABLE, S.UNAVAILABLE)
#: Why a signing is witnessed (the host's ``witness.mode``).
WITNESS_MODES = ("audio_guided", "cannot_write")


class SignLineFlow(FlowChart[SignState, SignEvent]):
    initial = S.IDLE
    final = frozenset({S.ENDED})
    transitions: ClassVar[Mapping[tuple[Enum, Enum], Enum]] = MappingProxyType({
        (S.IDLE, E.START): S.LOADING,
        (S.LOADING, E.LOADED): S.TERMS,
        (S.LOADING, E.ALREADY_SIGNED): S.NOT_SIGNABLE,
        (S.LOADING, E.NO_LINE): S.NOT_SIGNABLE,
        (S.LOADING, E.LOAD_FAILED): S.UNAVAILABLE,
        (S.LOADING, E.CANCEL): S.ENDED,
        (S.TERMS, E.NEXT): S.TERMS_MORE,
        (S.TERMS, E.BACK): S.ENDED,
        (S.TERMS_MORE, E.NEXT): S.SIGN,
        (S.TERMS_MORE, E.WITNESS): S.WITNESS_CALL,
        (S.SIGN, E.WITNESS): S.WITNESS_CALL,
        (S.WITNESS_CALL, E.NEXT): S.WITNESS,
        (S.WITNESS_CALL, E.BACK): S.TERMS_MORE,
        (S.WITNESS_CALL, E.WRITE): S.SIGN,
        (S.WITNESS, E.GRANTED): S.PIN,
        (S.WITNESS, E.REFUSED): S.WITNESS_REFUSED,
        (S.WITNESS, E.CANCEL): S.ENDED,
        (S.WITNESS_REFUSED, E.NEXT): S.WITNESS_CALL,
        (S.PIN, E.WITNESS_AGAIN): S.WITNESS_CALL,
        (S.TERMS_MORE, E.BACK): S.TERMS,
        (S.SIGN, E.SIGNATURE_OK): S.PIN,
        (S.SIGN, E.SIGNATURE_REFUSED): S.SIGN,
        (S.SIGN, E.BACK): S.TERMS_MORE,
        (S.PIN, E.PIN_OK): S.SIGNING,
        (S.PIN, E.PIN_CANCELLED): S.SIGN,
        (S.PIN, E.CANCEL): S.SIGN,  # 取消 on the PIN screen: the pad's X
        (S.PIN, E.PIN_FAILED): S.FAILED,
        (S.SIGNING, E.CONFIRMED): S.SUCCESS,
        (S.SIGNING, E.DECLINED): S.FAILED,
        (S.SIGNING, E.UNKNOWN): S.PENDING,
        (S.PENDING, E.CHECK): S.CHECKING,
        (S.CHECKING, E.CONFIRMED): S.SUCCESS,
        (S.CHECKING, E.DECLINED): S.FAILED,
        (S.CHECKING, E.UNKNOWN): S.PENDING,
        **from_each(RESULTS, E.FINISH, S.ENDED),
        **from_each(WAITING, E.CANCEL, S.ENDED),
        **from_each(WAITING, E.IDLE_TIMEOUT, S.ENDED),
    })

    def __init__(self) -> None:
        super().__init__()
        self.line: Any = None        # the host's CreditLine
        self.product: Any = None     # the line's Product (rate, terms, methods, late rules)
        self.refusal: Any = None     # why the last signature was refused (SignatureProblem)
        self.pin_cancelled = False   # SIGN entered again from the PIN pad's X
        self.witness_mode: str | None = None  # 见证签约: "audio_guided" / "cannot_write"
        self.witness_staff: str | None = None      # the staff member who authorised it
        self.authorization_id: str | None = None   # ... their line_sign authorisation
        self.result: Any = None      # the transactions service's TxResult
        self.problem: Any = None     # what failed: a Completion, an error code
        self.outcome: Outcome | None = None

    # --- what the presenter reports ----------------------------------------------------------

    def loaded(self, line: Any, product: Any) -> SignState:
        self.line, self.product = line, product
        return self.send(E.ALREADY_SIGNED if line.signed else E.LOADED)

    def load_failed(self, problem: Any) -> SignState:
        self.problem = problem
        return self.send(E.LOAD_FAILED)

    def signature(self, refusal: Any) -> SignState:
        """The pad's verdict on 确认签名: None (accepted) or why not."""
        self.refusal = refusal
        return self.send(E.SIGNATURE_OK if refusal is None else E.SIGNATURE_REFUSED)

    def ask_witness(self, mode: str) -> SignState:
        """The signing is to be witnessed by a staff member (``mode`` why: the audio-guided
        mode, or a farmer who cannot write)."""
        if mode not in WITNESS_MODES:
            raise ValueError(f"witness mode {mode!r}")
        self.witness_mode = mode
        return self.send(E.WITNESS)

    def granted(self, authorization_id: str, staff_id: str) -> SignState:
        self.authorization_id, self.witness_staff = authorization_id, staff_id
        return self.send(E.GRANTED)

    def witness_refused(self, problem: Any) -> SignState:
        """The authorisation ended without a grant (its AuthorizationResult, or a code)."""
        self.problem = problem
        return self.send(E.REFUSED)

    def witness_record(self) -> dict[str, str] | None:
        """The host's ``witness`` of a witnessed signing once authorised, else None."""
        if self.witness_mode is None or not self.authorization_id or not self.witness_staff:
            return None
        return {"method": "witnessed", "staff_id": self.witness_staff,
                "mode": self.witness_mode, "authorization_id": self.authorization_id}

    def pin_failed(self, problem: Any, *, cancelled: bool) -> SignState:
        if cancelled:
            return self.send(E.PIN_CANCELLED if self.witness_mode is None
                             else E.WITNESS_AGAIN)
        self.problem = problem
        return self.send(E.PIN_FAILED)

    def answered(self, result: Any) -> SignState:
        """The transactions service's TxResult (``outcome`` success / failed / pending)."""
        self.result = result
        outcome = getattr(result.outcome, "value", result.outcome)
        if outcome == "success":
            return self.send(E.CONFIRMED)
        if outcome == "failed":
            self.problem = result.reason
            return self.send(E.DECLINED)
        return self.send(E.UNKNOWN)

    def refused(self, code: str) -> SignState:
        """The service refused before sending (journal unusable, a transaction unresolved):
        nothing was signed."""
        self.problem = code
        return self.send(E.DECLINED)

    # --- hooks ---------------------------------------------------------------------------------

    def on_enter_sign(self, source: SignState, event: SignEvent) -> None:
        self.pin_cancelled = event in (E.PIN_CANCELLED, E.CANCEL)
        self.witness_mode = None  # back on the pad: the farmer writes after all
        if event is not E.SIGNATURE_REFUSED:
            self.refusal = None

    def on_enter_witness_call(self, source: SignState, event: SignEvent) -> None:
        self.pin_cancelled = event is E.WITNESS_AGAIN
        self.witness_staff = self.authorization_id = None  # each call asks anew

    def on_enter_ended(self, source: SignState, event: SignEvent) -> None:
        if event is E.IDLE_TIMEOUT:
            self.outcome = Outcome.TIMED_OUT
        elif event in (E.CANCEL, E.BACK):
            self.outcome = Outcome.CANCELED
        elif source in (S.FAILED, S.UNAVAILABLE, S.WITNESS_REFUSED):
            self.outcome = Outcome.FAILED
        else:
            self.outcome = Outcome.DONE
