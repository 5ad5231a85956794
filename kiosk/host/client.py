"""The kiosk's client of the bank host API (``docs/host-api.yaml``).

One :class:`HostClient` per terminal, owned by one worker thread (see :mod:`kiosk.host.worker`):

- ``requests.Session`` objects with ``trust_env = False`` (no proxy or CA bundle from the
  environment can override ours), the bank's CA and the terminal's client certificate passed
  explicitly on every request, and ``timeout=(connect, read)`` on every request (an adapter
  refuses a request without one);
- GETs are retried by urllib3 ``Retry`` (connect and read errors, 502/503/504, back-off,
  ``Retry-After``); POSTs go through a session whose adapter never retries, because a POST may
  move money: a money request is repeated only by the caller, with the same idempotency key,
  after a status query;
- every answer is validated by a pydantic model (:mod:`kiosk.host.models`); an error body is
  mapped to :class:`~kiosk.host.errors.HostCallError` with its unified code;
- money requests (drawdown, repayment) carry ``Idempotency-Key`` and ``X-MAC``: the MAC of the
  canonical input the API defines, computed by ``mac_provider`` (the app wires it to the PIN
  pad's MAC command with the MAK from sign-in); PIN blocks pass through as opaque hex.

Nothing here logs a body: bodies hold ID numbers, card numbers and PIN blocks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from devices.base import (
    CompletionCode,
    DeviceInitError,
    DeviceOperationError,
    DeviceState,
    DeviceStatus,
)
from kiosk.host import models as m
from kiosk.host.errors import HostCallError, HostErrorCode, HostErrorInfo, NextAction, parse_code

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
MacProvider = Callable[[bytes], bytes]

#: The paths whose requests move money: ``Idempotency-Key`` and ``X-MAC`` are required.
MONEY_PATHS = ("/v1/drawdowns", "/v1/repayments")
#: Contract requests MAC'd like money (the MAC covers the signature or the witness record).
MAC_CONTRACT_PATH = re.compile(r"/v1/credit-lines/[^/]+/sign")


def needs_mac(path: str) -> bool:
    """Whether a POST to ``path`` carries ``Idempotency-Key`` and ``X-MAC``."""
    return path in MONEY_PATHS or MAC_CONTRACT_PATH.fullmatch(path) is not None


@dataclass(frozen=True)
class HostSettings:
    """Where and how to reach the host. ``url`` without a trailing slash."""

    url: str
    terminal_id: str
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    get_retries: int = 2
    retry_backoff: float = 0.2
    heartbeat_interval: float = 60.0
    language: str = "zh_CN"

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", self.url.rstrip("/"))

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    @classmethod
    def from_config(cls, config: Any, url: str | None = None, **changes: Any) -> HostSettings:
        """From a :class:`kiosk.config.KioskConfig` (``host`` and ``terminal`` sections)."""
        host = config.host
        chosen = url or host.url
        if not chosen:
            raise ValueError("no host URL configured (host.url)")
        values: dict[str, Any] = {
            "url": chosen,
            "terminal_id": config.terminal.id,
            "ca_file": host.ca_file,
            "cert_file": host.cert_file,
            "key_file": host.key_file,
            "connect_timeout": host.connect_timeout,
            "read_timeout": host.read_timeout,
        }
        values.update(changes)
        return cls(**values)


@dataclass(frozen=True)
class HostStatus(DeviceStatus):
    """The host as the kiosk sees it (``None``: not known yet)."""

    signed_in: bool | None = None
    business_date: dt.date | None = None
    acct_date: dt.date | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class HeartbeatInfo:
    """What a heartbeat reports: device states, versions, outbox depth, unresolved keys,
    and the audit log's head (``(seq, hash)``, the anchor the host keeps)."""

    devices: Mapping[str, str] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    outbox_depth: int = 0
    unresolved: Sequence[str] = ()
    audit_head: tuple[int, str] | None = None


class _TimeoutRequiredAdapter(HTTPAdapter):
    """An adapter that refuses to send a request without a timeout (requests has none by
    default and would then wait for ever)."""

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        if timeout is None:
            raise ValueError("host request without a timeout")
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert,
                            proxies=proxies)


def get_retry(settings: HostSettings) -> Retry:
    """The urllib3 retry policy of GETs (reads are safe to repeat)."""
    return Retry(
        total=settings.get_retries,
        connect=settings.get_retries,
        read=settings.get_retries,
        status=settings.get_retries,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=(502, 503, 504),
        backoff_factor=settings.retry_backoff,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )


#: POSTs are never retried, not even after a connect error (``read=False`` keeps requests'
#: ReadTimeout distinguishable from a connection failure).
NO_RETRY = Retry(total=0, connect=0, read=False, status=0, other=0, redirect=0,
                 raise_on_status=False, raise_on_redirect=False)


def mac_input(path: str, terminal_id: str, idempotency_key: str, body: bytes) -> bytes:
    """The canonical MAC input of a money request (docs/host-api.yaml, "MAC on money
    requests"): five LF-joined lines, no trailing LF."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join(("POST", path, terminal_id, idempotency_key, digest)).encode("utf-8")


#: Request fields that are numbers written as text: ASCII digits only, never "５" or "٥"
#: (Python's ``\d`` and ``Decimal()`` take those; the host refuses them, issue 10).
DIGIT_FIELDS = {"amount": r"[0-9]{1,13}(\.[0-9]{1,2})?", "pan": r"[0-9]{12,19}",
                "phone": r"1[0-9]{10}", "id_number": r"[0-9]{17}[0-9Xx]|[0-9]{15}",
                "months": None, "trace": r"[0-9]{6}"}


def check_digits(body: Mapping[str, Any]) -> None:
    """ValueError naming the field when a numeric field of ``body`` is not ASCII digits."""
    for name, pattern in DIGIT_FIELDS.items():
        value = body.get(name)
        if pattern is None or value is None:
            continue
        if not isinstance(value, str) or not re.fullmatch(pattern, value, re.ASCII):
            raise ValueError(f"{name} must be written in ASCII digits: {value!r}"
                             if name == "amount" else f"{name} must be ASCII digits")


def body_bytes(body: Mapping[str, Any]) -> bytes:
    """The exact bytes a JSON body goes out as (compact, UTF-8, in the given key order);
    its numeric fields checked first (:func:`check_digits`)."""
    check_digits(body)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def request_digest(body: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the body's bytes: what the MAC covers and the host keeps per key."""
    return hashlib.sha256(body_bytes(body)).hexdigest()


def new_idempotency_key(terminal_id: str, serial: str | None = None) -> str:
    """``<terminal id>-<serial>`` (the journal's serial), or a random one for tests/tools."""
    return f"{terminal_id}-{serial or uuid.uuid4().hex}"


def money(value: Decimal | str | int) -> str:
    """A request amount: a string with two decimals (ASCII digits in, ASCII digits out)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,13}(\.[0-9]{1,2})?", value,
                                                   re.ASCII):
        raise ValueError(f"not an amount in ASCII digits: {value!r}")
    amount = Decimal(str(value))
    if amount != amount.quantize(Decimal("0.01")) or amount < 0:
        raise ValueError(f"not an amount in fen: {value!r}")
    return f"{amount:.2f}"


def _pin_hex(pin_block: str | bytes) -> str:
    return pin_block.hex().upper() if isinstance(pin_block, bytes) else pin_block


def _seg(value: str) -> str:
    """One path segment, percent-encoded (an id can never reach another endpoint)."""
    return quote(value, safe="")


def _drop_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


class HostClient:
    """The bank host as a "device" of the kiosk: ``open`` builds the HTTPS sessions,
    ``probe`` sends a heartbeat when the last contact is older than the heartbeat interval,
    ``close`` drops the sessions; the other methods are the API's calls.

    Not thread-safe: one worker thread owns it.
    """

    kind = "host"
    status_type = HostStatus

    def __init__(self, settings: HostSettings, mac_provider: MacProvider | None = None,
                 heartbeat_info: Callable[[], HeartbeatInfo] | None = None,
                 key_loader: Callable[[m.SignInResponse], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.mac_provider = mac_provider
        self.heartbeat_info = heartbeat_info
        self.key_loader = key_loader
        self._clock = clock
        self._read: requests.Session | None = None
        self._write: requests.Session | None = None
        self._status = HostStatus()
        self._last_contact: float | None = None
        self.last_round_trip_ms: float | None = None  # of the last answered request (telemetry)

    # --- life cycle (the DeviceWorker's open / close / probe) ----------------------------

    def open(self) -> None:
        """Build the sessions; fails with ``HOST-TLS`` when a certificate file is missing."""
        s = self.settings
        if s.url.startswith("https://"):
            for name, path in (("CA", s.ca_file), ("client certificate", s.cert_file),
                               ("client key", s.key_file)):
                if path is None:
                    raise DeviceInitError(f"no {name} file configured", HostErrorCode.TLS)
                if not Path(path).is_file():
                    raise DeviceInitError(f"{name} file missing: {path}", HostErrorCode.TLS)
        self.close()
        self._read = self._session(get_retry(s))
        self._write = self._session(NO_RETRY)

    def _session(self, retry: Retry) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.proxies.clear()
        adapter = _TimeoutRequiredAdapter(max_retries=retry, pool_connections=1, pool_maxsize=2)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers.update({
            "X-Terminal-Id": self.settings.terminal_id,
            "Accept": "application/json",
            "Accept-Language": "en" if self.settings.language.startswith("en") else "zh-CN",
            "User-Agent": "zhunong-kiosk",
        })
        return session

    def close(self) -> None:
        for session in (self._read, self._write):
            if session is not None:
                session.close()
        self._read = self._write = None

    def probe(self) -> HostStatus:
        """The host's status; a heartbeat only when nothing was heard for a while (the worker
        probes after every command)."""
        now = self._clock()
        if (self._last_contact is not None
                and now - self._last_contact < self.settings.heartbeat_interval):
            return self._status
        try:
            self.heartbeat()
        except HostCallError as exc:
            if exc.host_code in (HostErrorCode.NOT_SIGNED_IN, HostErrorCode.MAC_INVALID):
                self._update(signed_in=False)
            elif exc.info.http_status is not None and exc.info.http_status < 500:
                self._last_contact = now  # it answered: reachable (e.g. terminal unknown)
        return self._status

    def self_test(self) -> HostStatus:
        """A heartbeat now, whatever the interval (a technician's self-test): the link as it
        is at this moment."""
        self._last_contact = None
        return self.probe()

    def _offline(self, code: HostErrorCode) -> None:
        """No usable answer: the host counts as offline until the next good one."""
        s = self._status
        self._status = HostStatus(DeviceState.OFFLINE, s.signed_in, s.business_date,
                                  s.acct_date, code.code)
        self._last_contact = None

    @property
    def status(self) -> HostStatus:
        return self._status

    def _update(self, answer: BaseModel | None = None, signed_in: bool | None = None) -> None:
        s = self._status
        business = getattr(answer, "business_date", None) or s.business_date
        acct = getattr(answer, "acct_date", None) or s.acct_date
        signed = s.signed_in if signed_in is None else signed_in
        self._status = HostStatus(DeviceState.ONLINE, signed, business, acct, None)
        self._last_contact = self._clock()

    def run(self, task: Callable[[HostClient], Any]) -> Any:
        """``task(self)`` on the thread that owns this client (the worker's ``run`` command):
        a service step that makes several calls in a row, such as an authorisation (the
        credential checked, then the record), without a second owner of the sessions."""
        return task(self)

    # --- transport ------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.settings.url + path

    def _send(self, method: str, path: str, body: bytes | None,
              headers: Mapping[str, str]) -> requests.Response:
        session = self._read if method == "GET" else self._write
        if session is None:
            self.open()
            session = self._read if method == "GET" else self._write
            assert session is not None
        s = self.settings
        verify: str | bool = str(s.ca_file) if s.ca_file is not None else True
        cert = (str(s.cert_file), str(s.key_file)) if s.cert_file and s.key_file else None
        return session.request(method, self._url(path), data=body, headers=dict(headers),
                               timeout=s.timeout, verify=verify, cert=cert,
                               allow_redirects=False)

    def _fail(self, code: HostErrorCode, detail: str, method: str, path: str,
              http_status: int | None = None, retryable: bool = True,
              next_action: NextAction = NextAction.QUERY_STATUS,
              response_invalid: bool = False) -> HostCallError:
        info = HostErrorInfo(http_status, retryable, next_action, host_code=code.code)
        return HostCallError(code, detail, info, method=method, path=path,
                             response_invalid=response_invalid)

    def _transport_error(self, exc: requests.RequestException, method: str,
                         path: str) -> HostCallError:
        if isinstance(exc, requests.exceptions.SSLError):
            return self._fail(HostErrorCode.TLS, f"TLS failed: {type(exc).__name__}", method,
                              path, retryable=False, next_action=NextAction.CALL_STAFF)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return self._fail(HostErrorCode.CONNECTION, "connect timed out (nothing sent)",
                              method, path)
        reason = exc.args[0].reason if exc.args and hasattr(exc.args[0], "reason") else None
        if isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(
                reason, ReadTimeoutError):
            return self._fail(HostErrorCode.TIMEOUT, "no answer in time: outcome unknown",
                              method, path)
        return self._fail(HostErrorCode.CONNECTION,
                          f"connection failed: {type(exc).__name__}", method, path)

    def _request(self, method: str, path: str, model: type[ModelT],
                 body: Mapping[str, Any] | None = None,
                 idempotency_key: str | None = None) -> ModelT:
        """Send one request and return its validated answer, or raise ``HostCallError``."""
        payload = None
        headers: dict[str, str] = {}
        if body is not None:
            try:
                payload = body_bytes(body)
            except ValueError as exc:  # nothing sent: a numeric field not in ASCII digits
                raise self._fail(HostErrorCode.FORMAT, str(exc), method, path,
                                 retryable=False, next_action=NextAction.FIX_REQUEST) from None
            headers["Content-Type"] = "application/json"
        if needs_mac(path):
            headers.update(self._money_headers(path, idempotency_key, payload or b""))
        elif idempotency_key:
            headers["Idempotency-Key"] = idempotency_key  # outbox messages: replay-safe
        started = time.perf_counter()
        try:
            response = self._send(method, path, payload, headers)
        except requests.RequestException as exc:
            error = self._transport_error(exc, method, path)
            self._offline(error.host_code)
            log.warning("host %s %s failed after %.0f ms: %s", method, path,
                        (time.perf_counter() - started) * 1000, error.host_code.code)
            raise error from exc
        self.last_round_trip_ms = round((time.perf_counter() - started) * 1000, 1)
        log.info("host %s %s -> %d in %.0f ms%s", method, path, response.status_code,
                 self.last_round_trip_ms,
                 f" key={idempotency_key}" if idempotency_key else "")
        if 200 <= response.status_code < 300:
            try:
                answer = model.model_validate_json(response.content)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                    for e in exc.errors()[:3])
                raise self._fail(HostErrorCode.INTERNAL,
                                 f"answer of {method} {path} failed validation: {problems}",
                                 method, path, response.status_code,
                                 response_invalid=True) from None
            self._update(answer)
            return answer
        raise self._error_answer(response, method, path)

    def _error_answer(self, response: requests.Response, method: str,
                      path: str) -> HostCallError:
        status = response.status_code
        self._last_contact = self._clock()
        try:
            body = m.ErrorBody.model_validate_json(response.content)
        except ValidationError:
            code = HostErrorCode.INTERNAL if status >= 500 else HostErrorCode.FORMAT
            if status >= 500:
                self._offline(code)
            return self._fail(code, f"HTTP {status} without an error body", method, path,
                              status, retryable=status >= 500,
                              next_action=(NextAction.QUERY_STATUS if status >= 500
                                           else NextAction.FIX_REQUEST),
                              response_invalid=True)
        code = parse_code(body.code)
        if status >= 500:
            self._offline(code)  # day-end, unavailable, internal: not serving now
        elif code in (HostErrorCode.NOT_SIGNED_IN, HostErrorCode.MAC_INVALID):
            self._status = HostStatus(DeviceState.ONLINE, False, self._status.business_date,
                                      self._status.acct_date, body.code)
        info = HostErrorInfo(status, body.retryable, NextAction(body.next_action),
                             body.farmer_message, body.staff_message, body.code)
        detail = f"{body.code} (HTTP {status})" + (f": {body.detail}" if body.detail else "")
        return HostCallError(code, detail, info, method=method, path=path)

    def _money_headers(self, path: str, key: str | None, payload: bytes) -> dict[str, str]:
        if not key:
            raise ValueError(f"{path} needs an idempotency key")
        if self.mac_provider is None:
            raise DeviceOperationError(HostErrorCode.NOT_SIGNED_IN,
                                       "no MAC provider: sign in and load the working keys",
                                       CompletionCode.SEQUENCE_ERROR)
        mac = self.mac_provider(mac_input(path, self.settings.terminal_id, key, payload))
        return {"Idempotency-Key": key, "X-MAC": mac.hex().upper()}

    # --- terminal -------------------------------------------------------------------------

    def sign_in(self, algorithm: str = "TDES", trace: str | None = None) -> m.SignInResponse:
        """Terminal sign-in: dates and working keys under the TMK, handed to ``key_loader``
        (the PIN pad's ``load_working_keys``, see :func:`working_key_args`); a key the pad
        refuses (wrong check value) fails the sign-in with the pad's error."""
        answer = self._request("POST", "/v1/terminal/sign-in", m.SignInResponse,
                               _drop_none({"algorithm": algorithm, "trace": trace}))
        if self.key_loader is not None:
            self.key_loader(answer)
        self._update(answer, signed_in=True)
        return answer

    def sign_out(self) -> m.SignOutResponse:
        """Terminal sign-out: the host destroys the working keys."""
        answer = self._request("POST", "/v1/terminal/sign-out", m.SignOutResponse)
        self._update(answer, signed_in=answer.signed_in)
        return answer

    def heartbeat(self, info: HeartbeatInfo | None = None) -> m.HeartbeatResponse:
        """Device states, versions, outbox depth and unresolved keys to the host."""
        if info is None:
            info = self.heartbeat_info() if self.heartbeat_info is not None else HeartbeatInfo()
        body: dict[str, Any] = {
            "devices": dict(info.devices), "versions": dict(info.versions),
            "outbox_depth": info.outbox_depth, "unresolved": list(info.unresolved)}
        if info.audit_head is not None:
            body["audit_head"] = {"seq": info.audit_head[0], "hash": info.audit_head[1]}
        answer = self._request("POST", "/v1/terminal/heartbeat", m.HeartbeatResponse, body)
        self._update(answer, signed_in=answer.signed_in)
        if answer.audit_anchor not in (None, "recorded"):
            log.error("the host says the audit log was %s (head seq %s)", answer.audit_anchor,
                      None if info.audit_head is None else info.audit_head[0])
        return answer

    def audit_anchors(self) -> m.AuditAnchorList:
        """Every audit head the host received from this terminal (``kiosk audit verify
        --host`` checks the local log against them)."""
        return self._request("GET", "/v1/terminal/audit-anchors", m.AuditAnchorList)

    # --- customers, products, lines --------------------------------------------------------

    def identify(self, id_number: str, name: str | None = None, card_type: str | None = None,
                 pan: str | None = None, pin_block: str | bytes | None = None
                 ) -> m.IdentifyResponse:
        """ID card fields (+ card PAN and PIN block) -> customer, masked name, reminders."""
        return self._request("POST", "/v1/customers/identify", m.IdentifyResponse, _drop_none({
            "id_number": id_number, "name": name, "card_type": card_type, "pan": pan,
            "pin_block": None if pin_block is None else _pin_hex(pin_block)}))

    def products(self) -> m.ProductList:
        """Loan products with annual rates and rules."""
        return self._request("GET", "/v1/products", m.ProductList)

    def credit_line(self, customer_id: str) -> m.CreditLine:
        """The customer's credit line."""
        return self._request("GET", f"/v1/customers/{_seg(customer_id)}/credit-line", m.CreditLine)

    @staticmethod
    def sign_line_body(customer_id: str, pan: str, pin_block: str | bytes,
                       signature_png_base64: str | None, contract_version: str,
                       consents: Mapping[str, bool],
                       witness: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The body of ``POST /v1/credit-lines/{id}/sign``: the signature picture, or (见证签约)
        the witness record ``{method, staff_id, mode, authorization_id}`` instead."""
        body: dict[str, Any] = {"customer_id": customer_id, "pan": pan,
                                "pin_block": _pin_hex(pin_block)}
        if witness is not None:
            body["witness"] = dict(witness)
        else:
            body["signature_png_base64"] = signature_png_base64
        body.update(contract_version=contract_version, consents=dict(consents))
        return body

    def sign_line(self, line_id: str, customer_id: str, pan: str, pin_block: str | bytes,
                  signature_png_base64: str | None, contract_version: str,
                  consents: Mapping[str, bool], idempotency_key: str,
                  witness: Mapping[str, str] | None = None) -> m.CreditLine:
        """Sign the credit line (额度签约) with the signature image (or a witness record) and
        the PIN block; MAC'd like money, ``idempotency_key`` the journal's key."""
        return self.post_contract(self.sign_line_path(line_id), self.sign_line_body(
            customer_id, pan, pin_block, signature_png_base64, contract_version, consents,
            witness), m.CreditLine, idempotency_key)

    @staticmethod
    def sign_line_path(line_id: str) -> str:
        return f"/v1/credit-lines/{_seg(line_id)}/sign"

    def post_contract(self, path: str, body: Mapping[str, Any], model: type[ModelT],
                      idempotency_key: str | None = None) -> ModelT:
        """Send a contract request (signing, account change): never resent; an uncertain
        outcome is settled by reading the line or the loan. A signing is MAC'd like money
        (:func:`needs_mac`): ``idempotency_key`` (the journal's key) goes into the MAC."""
        return self._request("POST", path, model, body,
                             idempotency_key=idempotency_key if needs_mac(path) else None)

    # --- loans and repayments ---------------------------------------------------------------

    def quote_loan(self, product_code: str, amount: Decimal | str, months: int, method: str,
                   start_date: dt.date | None = None) -> m.QuoteResponse:
        """The host's schedule, total interest and annual rate for a drawdown."""
        return self._request("POST", "/v1/loans/quote", m.QuoteResponse, _drop_none({
            "product_code": product_code, "amount": money(amount), "months": months,
            "method": method,
            "start_date": None if start_date is None else start_date.isoformat()}))

    @staticmethod
    def drawdown_body(customer_id: str, line_id: str, amount: Decimal | str, months: int,
                      method: str, pan: str, pin_block: str | bytes, purpose: str | None = None,
                      authorization_id: str | None = None, terminal_time: str | None = None
                      ) -> dict[str, Any]:
        """The body of ``POST /v1/drawdowns`` (the transactions service digests and journals
        it before :meth:`post_money` sends it; a resend sends the same bytes)."""
        return _drop_none({
            "customer_id": customer_id, "line_id": line_id, "amount": money(amount),
            "months": months, "method": method, "pan": pan, "pin_block": _pin_hex(pin_block),
            "purpose": purpose, "authorization_id": authorization_id,
            "terminal_time": terminal_time})

    def drawdown(self, idempotency_key: str, customer_id: str, line_id: str,
                 amount: Decimal | str, months: int, method: str, pan: str,
                 pin_block: str | bytes, purpose: str | None = None,
                 authorization_id: str | None = None, terminal_time: str | None = None
                 ) -> m.DrawdownResponse:
        """Drawdown against the line: a money request (idempotency key + MAC, never retried
        here; after a timeout or reset query :meth:`transaction` with the same key)."""
        return self.post_money("/v1/drawdowns", self.drawdown_body(
            customer_id, line_id, amount, months, method, pan, pin_block, purpose,
            authorization_id, terminal_time), idempotency_key, m.DrawdownResponse)

    def post_money(self, path: str, body: Mapping[str, Any], idempotency_key: str,
                   model: type[ModelT]) -> ModelT:
        """Send a money request body (``path`` one of :data:`MONEY_PATHS`) with its key and
        the PIN pad's MAC. Never retried here."""
        if path not in MONEY_PATHS:
            raise ValueError(f"{path} is not a money path")
        return self._request("POST", path, model, body,
                             idempotency_key=idempotency_key if needs_mac(path) else None)

    def loans(self, customer_id: str) -> m.LoanList:
        """The customer's loans."""
        return self._request("GET", f"/v1/customers/{_seg(customer_id)}/loans", m.LoanList)

    def schedule(self, loan_id: str) -> m.ScheduleResponse:
        """A loan's repayment schedule (还款计划)."""
        return self._request("GET", f"/v1/loans/{_seg(loan_id)}/schedule", m.ScheduleResponse)

    def repayments(self, loan_id: str) -> m.RepaymentHistory:
        """A loan's repayment history (还款明细)."""
        return self._request("GET", f"/v1/loans/{_seg(loan_id)}/repayments", m.RepaymentHistory)

    def repayment_quote(self, loan_id: str, kind: str, amount: Decimal | str | None = None,
                        option: str | None = None) -> m.RepaymentQuoteResponse:
        """Amount due, overdue amount, partial prepayment or payoff to the day."""
        return self._request("POST", "/v1/repayments/quote", m.RepaymentQuoteResponse,
                             _drop_none({"loan_id": loan_id, "kind": kind,
                                         "amount": None if amount is None else money(amount),
                                         "option": option}))

    @staticmethod
    def repay_body(customer_id: str, loan_id: str, kind: str, amount: Decimal | str, pan: str,
                   pin_block: str | bytes, option: str | None = None,
                   terminal_time: str | None = None) -> dict[str, Any]:
        """The body of ``POST /v1/repayments`` (see :meth:`drawdown_body`)."""
        return _drop_none({
            "customer_id": customer_id, "loan_id": loan_id, "kind": kind,
            "amount": money(amount), "option": option, "pan": pan,
            "pin_block": _pin_hex(pin_block), "terminal_time": terminal_time})

    def repay(self, idempotency_key: str, customer_id: str, loan_id: str, kind: str,
              amount: Decimal | str, pan: str, pin_block: str | bytes,
              option: str | None = None, terminal_time: str | None = None
              ) -> m.RepaymentResponse:
        """Repayment: a money request (idempotency key + MAC, never retried here)."""
        return self.post_money("/v1/repayments", self.repay_body(
            customer_id, loan_id, kind, amount, pan, pin_block, option, terminal_time),
            idempotency_key, m.RepaymentResponse)

    def transaction(self, idempotency_key: str) -> m.TransactionStatus:
        """Status query of an uncertain money request (``HOST-TXN-NOT-FOUND``: never
        applied, safe to resend with the same key)."""
        return self._request("GET", f"/v1/transactions/{_seg(idempotency_key)}",
                             m.TransactionStatus)

    @staticmethod
    def repayment_account_body(customer_id: str, new_pan: str, pin_block: str | bytes,
                               authorization_id: str) -> dict[str, Any]:
        """The body of ``POST /v1/loans/{id}/repayment-account``."""
        return {"customer_id": customer_id, "new_pan": new_pan,
                "pin_block": _pin_hex(pin_block), "authorization_id": authorization_id}

    @staticmethod
    def repayment_account_path(loan_id: str) -> str:
        return f"/v1/loans/{_seg(loan_id)}/repayment-account"

    def change_repayment_account(self, loan_id: str, customer_id: str, new_pan: str,
                                 pin_block: str | bytes, authorization_id: str
                                 ) -> m.RepaymentAccountResponse:
        """Change of the loan's repayment account (new card + PIN, staff authorisation)."""
        return self.post_contract(self.repayment_account_path(loan_id),
                                  self.repayment_account_body(customer_id, new_pan, pin_block,
                                                              authorization_id),
                                  m.RepaymentAccountResponse)

    # --- applications, intentions, staff -------------------------------------------------------

    def apply(self, product_code: str, amount: Decimal | str, months: int, purpose: str,
              phone: str, consent: bool, customer_id: str | None = None,
              id_number: str | None = None, idempotency_key: str | None = None
              ) -> m.ApplicationResponse:
        """A loan application (贷款申请); ``idempotency_key`` as for intentions."""
        return self._request("POST", "/v1/applications", m.ApplicationResponse, _drop_none({
            "customer_id": customer_id, "id_number": id_number, "product_code": product_code,
            "amount": money(amount), "months": months, "purpose": purpose, "phone": phone,
            "consent": consent}), idempotency_key=idempotency_key)

    def application(self, application_id: str) -> m.ApplicationResponse:
        """An application's progress (申请进度)."""
        return self._request("GET", f"/v1/applications/{_seg(application_id)}",
                             m.ApplicationResponse)

    def progress(self, customer_id: str) -> m.ProgressList:
        """The customer's applications and intentions from every channel (申请进度)."""
        return self._request("GET", f"/v1/customers/{_seg(customer_id)}/applications",
                             m.ProgressList)

    def register_intention(self, phone: str, amount: Decimal | str, purpose: str,
                           consent: bool, id_number: str | None = None,
                           customer_id: str | None = None, name: str | None = None,
                           village: str | None = None, recorded_at: str | None = None,
                           idempotency_key: str | None = None,
                           application_id: str | None = None,
                           visit_time: str | None = None) -> m.IntentionResponse:
        """A loan intention (贷款意向登记); ``recorded_at`` when it was queued offline;
        ``idempotency_key`` (the outbox's) makes a replay return the first answer;
        ``application_id`` asks a loan officer to review a declined application (F06);
        ``visit_time`` when the officer may come (morning, afternoon, any)."""
        return self._request("POST", "/v1/intentions", m.IntentionResponse, _drop_none({
            "id_number": id_number, "customer_id": customer_id, "name": name,
            "phone": phone, "village": village, "amount": money(amount),
            "purpose": purpose, "consent": consent, "recorded_at": recorded_at,
            "application_id": application_id, "visit_time": visit_time}),
            idempotency_key=idempotency_key)

    def staff_sign_in(self, staff_id: str, password: str) -> m.StaffSignInResponse:
        """A staff member signs in beside the farmer."""
        return self._request("POST", "/v1/staff/sign-in", m.StaffSignInResponse,
                             {"staff_id": staff_id, "password": password})

    def authorize(self, staff_id: str, session_token: str, customer_id: str | None,
                  action: str, amount: Decimal | str | None = None,
                  reference: str | None = None) -> m.AuthorizationResponse:
        """Record a second-person authorisation (drawdown above the threshold, a reprint of a
        money receipt, ...); ``customer_id`` may be ``None`` only for ``receipt_reprint`` and
        ``transaction_resolve``, whose ``reference`` names the transaction."""
        return self._request("POST", "/v1/authorizations", m.AuthorizationResponse,
                             _drop_none({"staff_id": staff_id, "session_token": session_token,
                                         "customer_id": customer_id, "action": action,
                                         "amount": None if amount is None else money(amount),
                                         "reference": reference}))


def working_key_args(answer: m.SignInResponse) -> tuple[bytes, bytes, bytes, bytes, str]:
    """``(pik, pik_kcv, mak, mak_kcv, algorithm)`` for the PIN pad's ``load_working_keys``
    (algorithm as the PIN pad names it: ``3des`` or ``sm4``)."""
    keys = answer.keys
    return (bytes.fromhex(keys.pik.under_tmk), bytes.fromhex(keys.pik.kcv),
            bytes.fromhex(keys.mak.under_tmk), bytes.fromhex(keys.mak.kcv),
            "sm4" if keys.algorithm == "SM4" else "3des")
