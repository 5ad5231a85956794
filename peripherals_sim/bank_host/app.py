"""The host API over FastAPI: terminal authentication, MAC, idempotency, faults, control API.

Request pipeline of ``/v1`` (in this order):

1. TLS: the listener demands a client certificate from our CA (``CERT_REQUIRED``); the
   connection's certificate CN is the terminal id and must equal ``X-Terminal-Id``.
2. Day-end switch running -> ``HOST-DAY-END`` (retryable).
3. Money requests (``POST /v1/drawdowns``, ``POST /v1/repayments``): the terminal must be
   signed in; ``Idempotency-Key`` is required; the MAC in ``X-MAC`` is verified over the
   canonical MAC input (see :func:`mac_input`, documented in ``docs/host-api.yaml``).
4. Idempotency: a key seen before with the same method, path and body SHA-256 gets the first
   answer again byte for byte (``Idempotent-Replayed: true``); with anything else it is refused
   (``HOST-IDEMPOTENCY-CONFLICT``). Confirmed and declined answers are both final for a key;
   retryable refusals (day-end, faults, not signed in, bad MAC) are not recorded.

``/sim/*`` and ``/scenario`` are the control API (INTERFACES.md §2); never part of the schema,
served on the loopback control listener only (plain HTTP, ``--control``): on the mutual-TLS
listener they are 404, so no terminal certificate reads the scenario's keys and passwords or
moves the clock. A control body that is not the JSON object it should be is 400.

Every request body is at most :data:`MAX_BODY_BYTES` (413 ``HOST-FORMAT`` otherwise, before
the application reads it), and every string field has a length limit (``models.MAX_STRING``).
"""

import asyncio
import contextlib
import hashlib
import json
import random
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from peripherals_sim.bank_host import models as m
from peripherals_sim.bank_host.errors import HostError, error_body, wants_english
from peripherals_sim.bank_host.service import Bank

MONEY_PATHS = ("/v1/drawdowns", "/v1/repayments")
# Refusals that say nothing about the transaction itself: the same key may be sent again.
NOT_RECORDED = frozenset({"HOST-DAY-END", "HOST-UNAVAILABLE", "HOST-INTERNAL",
                          "HOST-NOT-SIGNED-IN", "HOST-MAC-INVALID"})
API_VERSION = "1.0.0"
MAX_BODY_BYTES = 1024 * 1024  # the largest request: a signature picture (models.py) and JSON


def mac_input(method: str, path: str, terminal_id: str, key: str, body: bytes) -> bytes:
    """The bytes the MAC covers: five lines, LF-separated, no trailing LF, UTF-8.

    ``METHOD\\nPATH\\nTERMINAL_ID\\nIDEMPOTENCY_KEY\\nsha256(body) as 64 lowercase hex``.
    """
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((method.upper(), path, terminal_id, key, digest)).encode("utf-8")


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(obj), status_code=status, media_type="application/json",
                    headers=headers)


def error_response(exc: HostError, request: Request) -> Response:
    english = wants_english(request.headers.get("accept-language"))
    return json_response(error_body(exc.code, exc.detail, english), exc.spec.status)


# --- fault injection ----------------------------------------------------------------------------

@dataclass
class Fault:
    """``POST /sim/fault``: kind timeout|error_5xx|reset|slow on some /v1 paths at some rate."""

    kind: str
    rate: float = 1.0
    paths: list[str] = field(default_factory=list)
    delay_ms: int = 0
    when: str = "after"  # timeout/reset: after the host applied the request, or before
    count: int | None = None  # at most this many injections, then the fault clears
    seed: int | None = None
    injected: int = 0

    def __post_init__(self) -> None:
        number = (int, float)
        if (not isinstance(self.rate, number) or isinstance(self.rate, bool)
                or not isinstance(self.delay_ms, int) or isinstance(self.delay_ms, bool)
                or not isinstance(self.paths, list)
                or not all(isinstance(p, str) for p in self.paths)
                or not (self.count is None or (isinstance(self.count, int)
                                               and not isinstance(self.count, bool)))
                or not (self.seed is None or isinstance(self.seed, int))):
            raise TypeError("rate is a number, delay_ms/count/seed integers, paths a list of "
                            "path prefixes")
        if not 0 <= self.delay_ms <= 600_000 or (self.count is not None and self.count < 0):
            raise ValueError("delay_ms must be 0-600000 and count not negative")
        if self.kind not in ("timeout", "error_5xx", "reset", "slow"):
            raise ValueError(f"unknown fault kind {self.kind}")
        if not 0.0 <= self.rate <= 1.0 or self.when not in ("before", "after"):
            raise ValueError("rate must be in [0, 1] and when before|after")
        if not self.delay_ms:
            self.delay_ms = 60000 if self.kind == "timeout" else 1500
        self._rng = random.Random(self.seed)

    def hits(self, path: str) -> bool:
        if not path.startswith("/v1/"):
            return False
        if self.paths and not any(path.startswith(p) for p in self.paths):
            return False
        if self.count is not None and self.injected >= self.count:
            return False
        if self._rng.random() >= self.rate:
            return False
        self.injected += 1
        return True

    def public(self) -> dict[str, Any]:
        return {"kind": self.kind, "rate": self.rate, "paths": self.paths,
                "delay_ms": self.delay_ms, "when": self.when, "count": self.count,
                "injected": self.injected}


def _abort(scope: dict[str, Any]) -> None:
    """Reset the TCP connection (RST, not FIN) like a dropped link."""
    transport = scope.get("state", {}).get("transport")
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[Any]],
                    Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]


class FaultMiddleware:
    """Pure ASGI middleware: applies the active fault to matching /v1 requests."""

    def __init__(self, app: ASGIApp, holder: dict[str, Fault | None]) -> None:
        self.app = app
        self.holder = holder

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        fault = self.holder.get("fault")
        if scope["type"] != "http" or fault is None or not fault.hits(scope["path"]):
            await self.app(scope, receive, send)
            return
        delay = fault.delay_ms / 1000
        if fault.count is not None and fault.injected >= fault.count:
            self.holder["fault"] = None
        if fault.kind == "error_5xx":
            body = dumps(error_body("HOST-UNAVAILABLE", "injected fault"))
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        if fault.kind == "slow" or fault.when == "before":
            await asyncio.sleep(delay)
            if fault.kind == "reset":
                _abort(scope)
                return
            await self.app(scope, receive, send)
            return
        held: list[dict[str, Any]] = []

        async def hold(message: dict[str, Any]) -> None:
            held.append(message)

        await self.app(scope, receive, hold)  # the host applies the request...
        if fault.kind == "reset":
            _abort(scope)  # ...and the answer is lost with the connection
            return
        await asyncio.sleep(delay)  # ...and answers too late for the terminal
        for message in held:
            await send(message)


# --- dependencies -------------------------------------------------------------------------------

def terminal(request: Request,
             x_terminal_id: Annotated[str, Header(
                 alias="X-Terminal-Id", description="terminal id = client certificate CN",
                 pattern=r"^[A-Z0-9]{4,32}$")]) -> str:
    """The authenticated terminal: certificate CN = ``X-Terminal-Id``, known, not in day-end."""
    bank: Bank = request.app.state.bank
    state = request.scope.get("state", {})
    if state.get("listener") == "control":
        raise HostError("HOST-FORMAT", "the host API is not served on the control port")
    if request.app.state.require_client_cert and state.get("tls_client_cn") != x_terminal_id:
        raise HostError("HOST-TERMINAL-UNKNOWN", "certificate does not match X-Terminal-Id")
    if x_terminal_id not in bank.terminals:
        raise HostError("HOST-TERMINAL-UNKNOWN")
    if bank.day_end_running():
        raise HostError("HOST-DAY-END")
    return x_terminal_id


Terminal = Annotated[str, Depends(terminal)]
CustomerId = Annotated[str, Path(examples=["C0001"], max_length=32)]
LineId = Annotated[str, Path(examples=["L0002"], max_length=32)]
LoanId = Annotated[str, Path(examples=["JJ202510100001"], max_length=32)]
ApplicationId = Annotated[str, Path(examples=["SQ202603160001"], max_length=32)]
TxnKey = Annotated[str, Path(examples=["ZN610425001-000001"], max_length=64)]
IdemKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=8, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
    description="one key per logical transaction: terminal id + trace, or a UUID")]
MacHeader = Annotated[str | None, Header(
    alias="X-MAC", pattern=r"^[0-9A-Fa-f]{16,32}$",
    description="hex MAC of the canonical MAC input under the MAK")]


class TimingMiddleware:
    """Adds ``Server-Timing: app;dur=<ms>`` (time in the host, without the network and TLS)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - start) * 1000
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"server-timing", f"app;dur={ms:.2f}".encode())]}
            await send(message)

        await self.app(scope, receive, timed)


class BodyLimitMiddleware:
    """Pure ASGI middleware: a request body over ``limit`` bytes is answered 413 (HOST-FORMAT)
    before the application sees any of it, whether announced by Content-Length or not."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._drain(receive)
            await self._too_large(send)
            return
        messages: list[dict[str, Any]] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                if message.get("more_body"):
                    await self._drain(receive)
                await self._too_large(send)
                return
            if not message.get("more_body"):
                break

        async def replay() -> dict[str, Any]:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _drain(self, receive: Any) -> None:
        """Read and drop the rest of a refused body (bounded: 16 x the limit, 10 s), as nginx
        discards one: a client still writing when the connection closes sees a TLS EOF
        instead of the 413 (found as a flaky limit probe)."""
        import asyncio
        import contextlib

        left = 16 * self.limit

        async def discard() -> None:
            nonlocal left
            while left > 0:
                message = await receive()
                if message["type"] != "http.request":
                    return
                left -= len(message.get("body", b""))
                if not message.get("more_body"):
                    return

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(discard(), timeout=10.0)

    async def _too_large(self, send: Any) -> None:
        body = dumps(error_body("HOST-FORMAT", f"request body over {self.limit} bytes"))
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def control_only(request: Request) -> None:
    """The control API answers on the loopback control listener only (404 on the mutual-TLS
    listener; the plain-HTTP quick mode has no terminal certificates to protect)."""
    listener = request.scope.get("state", {}).get("listener")
    if listener != "control" and request.app.state.require_client_cert:
        raise StarletteHTTPException(404, "Not Found")


async def control_body(request: Request) -> dict[str, Any]:
    """A control request's JSON object (empty body: ``{}``); 400 for anything else."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise HostError("HOST-FORMAT", f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise HostError("HOST-FORMAT", f"a JSON object is needed, not {type(body).__name__}")
    return body


Control = Depends(control_only)


# --- the application ------------------------------------------------------------------------------

ERRORS_DOC: dict[int | str, dict[str, Any]] = {
    s: {"model": m.ErrorBody, "description": d} for s, d in (
        (400, "malformed request (HOST-FORMAT, HOST-IDEMPOTENCY-KEY-MISSING)"),
        (401, "not signed in or bad MAC (HOST-NOT-SIGNED-IN, HOST-MAC-INVALID)"),
        (403, "terminal, card, PIN or staff refused"),
        (404, "unknown customer, line, loan, application or transaction"),
        (409, "state conflict (line not signed, loan closed, key reused, ...)"),
        (422, "business rule refused (amount, limit, funds, product rules)"),
        (503, "day-end switch or host unavailable; retry later"))}

MONEY_DOC = "Money request: `Idempotency-Key` and `X-MAC` required (see the API description)."
SIGN_DOC = ("A contract request MAC'd like money: `Idempotency-Key` (the terminal journal's key) "
            "and `X-MAC` required, so the MAC covers the whole body: the picture or the witness "
            "record. Either `signature_png_base64` (a PNG with ink) or `witness` (见证签约: "
            "method `witnessed`, the staff id, the mode, the staff member's `line_sign` "
            "authorisation, used once), never both, never neither (`HOST-FORMAT`).")
OUTBOX_DOC = ("Queued by the terminal's outbox: an optional `Idempotency-Key` makes a replay "
              "return the first answer instead of recording it twice (no MAC).")


def create_app(bank: Bank, *, require_client_cert: bool = True) -> FastAPI:
    """The host API for ``bank``; ``require_client_cert`` is False only for http:// mode."""
    app = FastAPI(title="助农E终端 bank host API", version=API_VERSION,
                  description=(API_DESCRIPTION), openapi_url="/openapi.json",
                  docs_url=None, redoc_url=None)
    faults: dict[str, Fault | None] = {"fault": None}
    app.add_middleware(FaultMiddleware, holder=faults)
    app.add_middleware(TimingMiddleware)
    app.add_middleware(BodyLimitMiddleware)

    @app.exception_handler(HostError)
    async def _host_error(request: Request, exc: HostError) -> Response:
        return error_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                           for e in exc.errors())[:500]
        return error_response(HostError("HOST-FORMAT", detail), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = f"{exc.status_code} {exc.detail}"
        english = wants_english(request.headers.get("accept-language"))
        return json_response(error_body("HOST-FORMAT", detail, english), exc.status_code)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        return error_response(HostError("HOST-INTERNAL", type(exc).__name__), request)

    async def idempotent(request: Request, terminal_id: str, key: str | None, mac: str | None,
                    handler: Callable[[], dict[str, Any]], *,
                    money_request: bool = True) -> Response:
        body = await request.body()
        path = request.url.path
        if money_request:
            bank.session(terminal_id)
            if not key:
                raise HostError("HOST-IDEMPOTENCY-KEY-MISSING")
            bank.verify_mac(terminal_id, mac_input("POST", path, terminal_id, key, body), mac)
        elif not key:
            return json_response(handler())
        assert key is not None
        digest = hashlib.sha256(body).hexdigest()
        with bank.store.transaction():
            seen = bank.store.transaction_record(key)
            if seen is not None:
                if (seen["terminal_id"], seen["path"], seen["body_sha256"]) != (
                        terminal_id, path, digest):
                    raise HostError("HOST-IDEMPOTENCY-CONFLICT")
                return Response(bytes(seen["response"]), status_code=seen["http_status"],
                                media_type="application/json",
                                headers={"Idempotent-Replayed": "true"})
            try:
                status, payload = 200, dumps(handler())
            except HostError as exc:
                if exc.code in NOT_RECORDED:
                    raise
                english = wants_english(request.headers.get("accept-language"))
                status, payload = exc.spec.status, dumps(error_body(exc.code, exc.detail,
                                                                    english))
            now = bank.now()
            bank.store.record_transaction(key, terminal_id, "POST", path, digest, status,
                                          payload, now.host_datetime, now.acct_date.isoformat())
        return Response(payload, status_code=status, media_type="application/json")

    def dump(model: Any) -> dict[str, Any]:
        return dict(model.model_dump())

    # -- terminal --------------------------------------------------------------------------------

    @app.post("/v1/terminal/sign-in", response_model=m.SignInResponse, responses=ERRORS_DOC,
              tags=["terminal"], summary="Terminal sign-in: dates and working keys")
    async def sign_in(body: m.SignInRequest, terminal_id: Terminal) -> Response:
        return json_response(bank.sign_in(terminal_id, body.algorithm, body.trace))

    @app.post("/v1/terminal/sign-out", response_model=m.SignOutResponse, responses=ERRORS_DOC,
              tags=["terminal"], summary="Terminal sign-out: working keys are destroyed")
    async def sign_out(terminal_id: Terminal) -> Response:
        return json_response(bank.sign_out(terminal_id))

    @app.post("/v1/terminal/heartbeat", response_model=m.HeartbeatResponse,
              responses=ERRORS_DOC, tags=["terminal"], summary="Device states, outbox depth")
    async def heartbeat(body: m.HeartbeatRequest, terminal_id: Terminal) -> Response:
        return json_response(bank.heartbeat(terminal_id, dump(body)))

    @app.get("/v1/terminal/audit-anchors", response_model=m.AuditAnchorList,
             responses=ERRORS_DOC, tags=["terminal"],
             summary="The audit-log anchors this terminal sent with its heartbeats")
    async def audit_anchors(terminal_id: Terminal) -> Response:
        return json_response(bank.audit_anchors(terminal_id))

    # -- customers and products ---------------------------------------------------------------

    @app.post("/v1/customers/identify", response_model=m.IdentifyResponse,
              responses=ERRORS_DOC, tags=["customers"],
              summary="ID card (+ card PAN, + PIN block) -> customer, reminders")
    async def identify(body: m.IdentifyRequest, terminal_id: Terminal) -> Response:
        return json_response(bank.identify(terminal_id, dump(body)))

    @app.get("/v1/products", response_model=m.ProductList, responses=ERRORS_DOC,
             tags=["products"], summary="Loan products with annual rates and rules")
    async def products(terminal_id: Terminal) -> Response:
        return json_response(bank.list_products())

    @app.get("/v1/customers/{customer_id}/credit-line", response_model=m.CreditLine,
             responses=ERRORS_DOC, tags=["credit lines"], summary="The customer's credit line")
    async def credit_line(customer_id: CustomerId, terminal_id: Terminal) -> Response:
        return json_response(bank.credit_line(customer_id))

    @app.post("/v1/credit-lines/{line_id}/sign", response_model=m.CreditLine,
              responses=ERRORS_DOC, tags=["credit lines"],
              summary="Sign the line: signature image or witness, consents and PIN block "
              "(MAC)", description=SIGN_DOC)
    async def sign_line(request: Request, line_id: LineId, body: m.SignLineRequest,
                        terminal_id: Terminal, idempotency_key: IdemKey = None,
                        x_mac: MacHeader = None) -> Response:
        return await idempotent(request, terminal_id, idempotency_key, x_mac,
                                lambda: bank.sign_line(terminal_id, line_id, dump(body)))

    # -- loans -----------------------------------------------------------------------------------

    @app.post("/v1/loans/quote", response_model=m.QuoteResponse, responses=ERRORS_DOC,
              tags=["loans"], summary="Schedule, total interest and annual rate")
    async def loan_quote(body: m.QuoteRequest, terminal_id: Terminal) -> Response:
        return json_response(bank.quote_loan(dump(body)))

    @app.post("/v1/drawdowns", response_model=m.DrawdownResponse, responses=ERRORS_DOC,
              tags=["loans"], summary="Drawdown against the line (idempotent, MAC)",
              description=MONEY_DOC)
    async def drawdown(request: Request, body: m.DrawdownRequest, terminal_id: Terminal,
                       idempotency_key: IdemKey = None, x_mac: MacHeader = None) -> Response:
        return await idempotent(request, terminal_id, idempotency_key, x_mac,
                           lambda: bank.drawdown(terminal_id, str(idempotency_key), dump(body)))

    @app.get("/v1/customers/{customer_id}/loans", response_model=m.LoanList,
             responses=ERRORS_DOC, tags=["loans"], summary="The customer's loans")
    async def loans(customer_id: CustomerId, terminal_id: Terminal) -> Response:
        return json_response(bank.loans(customer_id))

    @app.get("/v1/loans/{loan_id}/schedule", response_model=m.ScheduleResponse,
             responses=ERRORS_DOC, tags=["loans"], summary="Repayment schedule with buckets")
    async def schedule(loan_id: LoanId, terminal_id: Terminal) -> Response:
        return json_response(bank.schedule(loan_id))

    @app.get("/v1/loans/{loan_id}/repayments", response_model=m.RepaymentHistory,
             responses=ERRORS_DOC, tags=["loans"], summary="Repayment history")
    async def repayments(loan_id: LoanId, terminal_id: Terminal) -> Response:
        return json_response(bank.repayments(loan_id))

    @app.post("/v1/repayments/quote", response_model=m.RepaymentQuoteResponse,
              responses=ERRORS_DOC, tags=["repayment"],
              summary="Amount due, overdue, partial or payoff to the day, by bucket")
    async def repayment_quote(body: m.RepaymentQuoteRequest, terminal_id: Terminal) -> Response:
        return json_response(bank.repayment_quote(dump(body)))

    @app.post("/v1/repayments", response_model=m.RepaymentResponse, responses=ERRORS_DOC,
              tags=["repayment"], summary="Repayment (idempotent, MAC)", description=MONEY_DOC)
    async def repay(request: Request, body: m.RepaymentRequest, terminal_id: Terminal,
                    idempotency_key: IdemKey = None, x_mac: MacHeader = None) -> Response:
        return await idempotent(request, terminal_id, idempotency_key, x_mac,
                           lambda: bank.repay(terminal_id, str(idempotency_key), dump(body)))

    @app.get("/v1/transactions/{idempotency_key}", response_model=m.TransactionStatus,
             responses=ERRORS_DOC, tags=["repayment"],
             summary="Status query of an uncertain money request by its key")
    async def transaction(idempotency_key: TxnKey, terminal_id: Terminal) -> Response:
        seen = bank.store.transaction_record(idempotency_key)
        if seen is None or seen["terminal_id"] != terminal_id:
            raise HostError("HOST-TXN-NOT-FOUND")
        return json_response({
            "idempotency_key": idempotency_key, "terminal_id": seen["terminal_id"],
            "path": seen["path"],
            "status": "CONFIRMED" if seen["http_status"] == 200 else "DECLINED",
            "http_status": seen["http_status"], "created_at": seen["created_at"],
            "acct_date": seen["acct_date"], "result": json.loads(seen["response"])})

    @app.post("/v1/loans/{loan_id}/repayment-account", response_model=m.RepaymentAccountResponse,
              responses=ERRORS_DOC, tags=["loans"],
              summary="Change the repayment account (new card + PIN, staff authorisation)")
    async def repayment_account(loan_id: LoanId, body: m.RepaymentAccountRequest,
                                terminal_id: Terminal) -> Response:
        return json_response(bank.change_account(terminal_id, loan_id, dump(body)))

    # -- applications, intentions, staff -------------------------------------------------------

    @app.post("/v1/applications", response_model=m.ApplicationResponse, responses=ERRORS_DOC,
              tags=["applications"], summary="Loan application; progress by GET",
              description=OUTBOX_DOC)
    async def application(request: Request, body: m.ApplicationRequest, terminal_id: Terminal,
                          idempotency_key: IdemKey = None) -> Response:
        return await idempotent(request, terminal_id, idempotency_key, None,
                           lambda: bank.application(terminal_id, dump(body)), money_request=False)

    @app.get("/v1/applications/{application_id}", response_model=m.ApplicationResponse,
             responses=ERRORS_DOC, tags=["applications"], summary="Application progress")
    async def application_status(application_id: ApplicationId,
                                 terminal_id: Terminal) -> Response:
        return json_response(bank.application_status(application_id))

    @app.get("/v1/customers/{customer_id}/applications", response_model=m.ProgressList,
             responses=ERRORS_DOC, tags=["applications"],
             summary="The customer's applications and intentions, any channel (申请进度)")
    async def progress(customer_id: CustomerId, terminal_id: Terminal) -> Response:
        return json_response(bank.progress(customer_id))

    @app.post("/v1/intentions", response_model=m.IntentionResponse, responses=ERRORS_DOC,
              tags=["applications"], summary="Loan intention registration (a loan officer visits)",
              description=OUTBOX_DOC)
    async def intention(request: Request, body: m.IntentionRequest, terminal_id: Terminal,
                        idempotency_key: IdemKey = None) -> Response:
        return await idempotent(request, terminal_id, idempotency_key, None,
                           lambda: bank.intention(terminal_id, dump(body)), money_request=False)

    @app.post("/v1/staff/sign-in", response_model=m.StaffSignInResponse, responses=ERRORS_DOC,
              tags=["staff"], summary="Staff sign-in on this terminal for the accounting day")
    async def staff_sign_in(body: m.StaffSignInRequest, terminal_id: Terminal) -> Response:
        return json_response(bank.staff_sign_in(terminal_id, dump(body)))

    @app.post("/v1/authorizations", response_model=m.AuthorizationResponse,
              responses=ERRORS_DOC, tags=["staff"],
              summary="Second-person authorisation record (used once by the action)")
    async def authorization(body: m.AuthorizationRequest, terminal_id: Terminal) -> Response:
        return json_response(bank.authorize(terminal_id, dump(body)))

    # -- control API (not in the schema) -------------------------------------------------------

    @app.get("/sim/customers", include_in_schema=False, dependencies=[Control])
    async def sim_customers() -> Response:
        return json_response(bank.sim_customers())

    @app.get("/sim/ledger", include_in_schema=False, dependencies=[Control])
    async def sim_ledger() -> Response:
        return json_response(bank.sim_ledger())

    @app.post("/sim/clock", include_in_schema=False, dependencies=[Control])
    async def sim_clock(request: Request) -> Response:
        body = await control_body(request)
        try:
            return json_response(bank.set_clock(body))
        except (ValueError, TypeError) as exc:
            raise HostError("HOST-FORMAT", str(exc)) from None

    @app.get("/sim/clock", include_in_schema=False, dependencies=[Control])
    async def sim_clock_get() -> Response:
        return json_response({**bank.now().fields(), "day_end": bank.day_end_running()})

    @app.post("/sim/fault", include_in_schema=False, dependencies=[Control])
    async def sim_fault(request: Request) -> Response:
        spec = await control_body(request)
        try:
            allowed = {"kind", "rate", "paths", "delay_ms", "when", "count", "seed"}
            fault = Fault(**{k: v for k, v in spec.items() if k in allowed})
        except (ValueError, TypeError) as exc:
            raise HostError("HOST-FORMAT", str(exc)) from None
        faults["fault"] = fault
        return json_response(fault.public())

    @app.post("/sim/quote-skew", include_in_schema=False, dependencies=[Control])
    async def sim_quote_skew(request: Request) -> Response:
        body = await control_body(request)
        try:
            return json_response(bank.set_quote_skew(body))
        except (ValueError, TypeError) as exc:
            raise HostError("HOST-FORMAT", str(exc)) from None

    @app.get("/sim/fault", include_in_schema=False, dependencies=[Control])
    async def sim_fault_get() -> Response:
        fault = faults["fault"]
        return json_response({"fault": None if fault is None else fault.public()})

    @app.delete("/sim/fault", include_in_schema=False, dependencies=[Control])
    async def sim_fault_clear() -> Response:
        faults["fault"] = None
        return json_response({"fault": None})

    @app.get("/scenario", include_in_schema=False, dependencies=[Control])
    async def scenario() -> Response:
        sc = bank.scenario
        return json_response({k: sc.get(k) for k in ("terminals", "customers", "staff")})

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes,
                             description=app.description, openapi_version="3.1.0")
        schema["servers"] = [{"url": "https://127.0.0.1:8443",
                              "description": "kiosk-sim host (port chosen at start)"}]
        schema.setdefault("components", {})["securitySchemes"] = {
            "terminalCertificate": {
                "type": "mutualTLS",
                "description": "Client certificate issued by the bank's CA; subject CN = "
                               "terminal id, equal to the X-Terminal-Id header."}}
        schema["security"] = [{"terminalCertificate": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.faults = faults
    app.state.bank = bank
    app.state.require_client_cert = require_client_cert
    return app


API_DESCRIPTION = """\
The API between the 助农E终端 kiosk and the cooperative's internet-finance platform (simulated
by `kiosk-sim host`). JSON over HTTPS, UTF-8. Money is a string with two decimals; rates are
decimal strings (`"0.0435"` = 4.35 % a year, 单利); dates are `YYYY-MM-DD`.

## Terminal authentication
Mutual TLS: every terminal holds a client certificate issued by the bank's CA; its subject CN is
the terminal id. Every `/v1` request carries `X-Terminal-Id`, which must equal that CN
(`HOST-TERMINAL-UNKNOWN` otherwise). Without a valid certificate the TLS handshake fails.

## Sign-in and working keys
`POST /v1/terminal/sign-in` returns fresh working keys PIK and MAK (16 bytes each), each
encrypted under the terminal master key (TMK, the XOR of the two components loaded in the key
ceremony) in ECB mode, with a key check value (KCV: the clear key encrypting a zero block,
leftmost 4 bytes for TDES, 8 for SM4), plus the business and accounting dates. Sign-out or a new
sign-in destroys the previous keys. Algorithm TDES (default) or SM4, as the terminal asks.
PIN blocks: TDES -> ISO 9564 format 0 under the PIK; SM4 -> the format-0 block followed by 8 zero
bytes, SM4 under the PIK (`pin_block_format` in the answer).

## MAC on money requests
`POST /v1/drawdowns` and `POST /v1/repayments` carry the headers `Idempotency-Key` and `X-MAC`;
so does the signing of a credit line, `POST /v1/credit-lines/{line_id}/sign` (a contract: its
MAC covers the signature picture or the witness record of a 见证签约).
The MAC input is the UTF-8 text of five lines joined by LF (0x0A), without a trailing LF:

    POST
    <request path, e.g. /v1/drawdowns>
    <X-Terminal-Id>
    <Idempotency-Key>
    <SHA-256 of the exact request body bytes, 64 lowercase hex digits>

The MAC is computed by the PIN pad with the MAK: `devices/crypto.py` `MacMethod.X9_19` (ANSI X9.19
retail MAC, zero padding, 8 bytes) for TDES, `MacMethod.SM4` (SM4 CBC-MAC, 80-padding, 16 bytes)
for SM4 (`mac_method` in the sign-in answer). `X-MAC` is the MAC in hex: all of it, or at least
its left 8 bytes. A wrong or missing MAC is refused with `HOST-MAC-INVALID` (next action: sign in
again, then resend with the same key).

## Idempotency and status query
One `Idempotency-Key` per logical transaction (terminal id + trace number, or a UUID), written to
the terminal's journal before sending. A repeat with the same method, path and body gets the first
answer byte for byte (`Idempotent-Replayed: true`); the same key with another body is refused
(`HOST-IDEMPOTENCY-CONFLICT`). A confirmed or declined answer is final for its key: a new attempt
(e.g. after the PIN was re-entered) uses a new key. `GET /v1/transactions/{key}` tells whether a key
was applied (`CONFIRMED`/`DECLINED` with the first answer) or never reached the host
(`HOST-TXN-NOT-FOUND`: safe to resend with the same key).

## Errors
Every non-2xx answer has the unified body `ErrorBody` {code, farmer_message, staff_message,
retryable, next_action, detail}; the codes are those of the kiosk's table
`kiosk/error_codes/host.yaml`. Texts are zh_CN unless `Accept-Language: en`.

## Dates
Each answer carries `business_date` (the host's calendar day), `acct_date` (the accounting date a
transaction books to: the next day after the day-end cut-over) and `host_datetime`. During the
day-end switch the host answers `HOST-DAY-END` (retry later).
"""
