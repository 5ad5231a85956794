"""How a host call fails: the unified host error codes and the exceptions the client raises.

Every failure becomes a :class:`devices.base.DeviceError` subclass whose ``error`` is a
:class:`HostErrorCode`, so a host call run by the worker ends in a ``Completion`` like any
device command and the GUI finds its texts in the unified error table
(``kiosk/error_codes/host.yaml``, catalogs ``host.po``: owned by the host API's authors).

The codes answered by the host come in its error body ``{code, farmer_message, staff_message,
retryable, next_action, detail}``; ``HOST-TIMEOUT``, ``HOST-CONNECTION`` and ``HOST-TLS``
are produced here, on the terminal, when no answer arrived; an answer that fails validation
is reported as ``HOST-INTERNAL`` (``response_invalid``): a money request's outcome is then
unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from devices.base import CompletionCode, DeviceOperationError


def tries_left(detail: str) -> int | None:
    """How many PIN tries the host says are left (its detail ``tries left N``), if it said."""
    import re

    m = re.search(r"tries left (\d+)", detail)
    return int(m.group(1)) if m else None


class HostErrorCode(StrEnum):
    """The unified host error codes. The value is the ``error`` of the code's row in
    ``kiosk/error_codes/host.yaml`` (the code without ``HOST-``, in snake case); :attr:`code`
    is what the host sends in its error body."""

    FORMAT = "format"
    TERMINAL_UNKNOWN = "terminal_unknown"
    NOT_SIGNED_IN = "not_signed_in"
    MAC_INVALID = "mac_invalid"
    IDEMPOTENCY_KEY_MISSING = "idempotency_key_missing"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    TXN_NOT_FOUND = "txn_not_found"
    CUSTOMER_NOT_FOUND = "customer_not_found"
    CARD_MISMATCH = "card_mismatch"
    PIN_WRONG = "pin_wrong"
    PIN_LOCKED = "pin_locked"
    LINE_NOT_FOUND = "line_not_found"
    LINE_NOT_SIGNED = "line_not_signed"
    LINE_ALREADY_SIGNED = "line_already_signed"
    LINE_EXPIRED = "line_expired"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_OVER_LIMIT = "amount_over_limit"
    PRODUCT_NOT_FOUND = "product_not_found"
    PRODUCT_RULE = "product_rule"
    LOAN_NOT_FOUND = "loan_not_found"
    LOAN_CLOSED = "loan_closed"
    NOTHING_DUE = "nothing_due"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    STAFF_AUTH_FAILED = "staff_auth_failed"
    AUTHORIZATION_REQUIRED = "authorization_required"
    APPLICATION_NOT_FOUND = "application_not_found"
    CONSENT_REQUIRED = "consent_required"
    DAY_END = "day_end"
    UNAVAILABLE = "unavailable"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TLS = "tls"
    INTERNAL = "internal"

    @property
    def code(self) -> str:
        """``HOST-MAC-INVALID``: the code of the error table and of the host's body."""
        return "HOST-" + self.value.upper().replace("_", "-")


class NextAction(StrEnum):
    """What the terminal does after an error (the host body's ``next_action``)."""

    NONE = "none"
    RETRY = "retry"
    QUERY_STATUS = "query_status"
    SIGN_IN = "sign_in"
    REENTER_PIN = "reenter_pin"
    CALL_STAFF = "call_staff"
    FIX_REQUEST = "fix_request"
    STOP = "stop"


# Used when the error table has no row for a code (it always should: a test checks it).
_FALLBACK_COMPLETION: dict[HostErrorCode, CompletionCode] = {
    HostErrorCode.TIMEOUT: CompletionCode.TIMEOUT,
    HostErrorCode.CONNECTION: CompletionCode.DEVICE_NOT_READY,
    HostErrorCode.TLS: CompletionCode.DEVICE_NOT_READY,
    HostErrorCode.INTERNAL: CompletionCode.INTERNAL_ERROR,
}

#: Failures after which a money request's outcome is unknown: resolve by status query.
OUTCOME_UNKNOWN = frozenset({HostErrorCode.TIMEOUT, HostErrorCode.CONNECTION,
                             HostErrorCode.INTERNAL})


def completion_for(code: HostErrorCode) -> CompletionCode:
    """The completion code of a host error, from its row in the unified error table."""
    from kiosk.errors import error_table  # the table is read once, on the first error

    entry = error_table().by_code(code.code)
    if entry is not None and entry.completion is not None:
        return entry.completion
    return _FALLBACK_COMPLETION.get(code, CompletionCode.USER_ERROR)


def parse_code(value: str) -> HostErrorCode:
    """A host body's code (``HOST-PIN-WRONG``); one this client does not know becomes
    ``HOST-INTERNAL``."""
    if value.startswith("HOST-"):
        try:
            return HostErrorCode(value[5:].lower().replace("-", "_"))
        except ValueError:
            pass
    return HostErrorCode.INTERNAL


@dataclass(frozen=True)
class HostErrorInfo:
    """What the host said about a failure (``None`` fields when no host answer arrived)."""

    http_status: int | None
    retryable: bool
    next_action: NextAction
    farmer_message: str = ""
    staff_message: str = ""
    host_code: str = ""


class HostCallError(DeviceOperationError):
    """A host call failed; ``error`` is the :class:`HostErrorCode`, ``info`` the details.

    ``outcome_unknown`` is true when the request may have been applied (timeout, reset, a
    5xx or an unreadable answer): a money request is then resolved by a status query with the
    same idempotency key, never by a new request.
    """

    def __init__(self, code: HostErrorCode, detail: str, info: HostErrorInfo,
                 *, method: str = "", path: str = "", response_invalid: bool = False) -> None:
        super().__init__(code, detail, completion_for(code))
        self.host_code = code
        self.info = info
        self.method = method
        self.path = path
        self.response_invalid = response_invalid

    @property
    def outcome_unknown(self) -> bool:
        return self.host_code in OUTCOME_UNKNOWN

    @property
    def retryable(self) -> bool:
        return self.info.retryable
