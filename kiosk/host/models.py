"""Pydantic models of the host's answers (``docs/host-api.yaml``), validating every response.

Written from the OpenAPI document, not shared with the simulator (the kiosk never imports
``peripherals_sim``). Money arrives as a string with exactly two decimals and becomes a
``Decimal``; dates become ``datetime.date``. Fields the host adds later are ignored; a field
that is missing or malformed fails validation, and the client reports the answer as invalid.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# ASCII digits only (re.ASCII: without it \d also takes "５" and "٥")
_MONEY = re.compile(r"^-?\d{1,13}\.\d{2}$", re.ASCII)
_RATE = re.compile(r"^\d+(\.\d+)?$", re.ASCII)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _money(value: Any) -> Decimal:
    if not isinstance(value, str) or not _MONEY.match(value):
        raise ValueError("money must be a string with two decimals")
    return Decimal(value)


def _rate(value: Any) -> Decimal:
    if not isinstance(value, str) or not _RATE.match(value):
        raise ValueError("a rate must be a decimal string")
    return Decimal(value)


def _date(value: Any) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("a date must be YYYY-MM-DD")
    return dt.date.fromisoformat(value)


Money = Annotated[Decimal, BeforeValidator(_money)]
Rate = Annotated[Decimal, BeforeValidator(_rate)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Method = Literal["equal-installment", "equal-principal", "interest-first", "bullet"]
RepaymentKind = Literal["due", "overdue", "partial", "payoff"]
PrepayOption = Literal["shorter_term", "lower_installment"]
Classification = Literal["正常", "关注", "次级", "可疑", "损失"]
ApplicationState = Literal["SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT", "APPROVED", "REJECTED"]
LoanStatus = Literal["ACTIVE", "OVERDUE", "CLOSED"]


class HostModel(BaseModel):
    """Base of every answer: immutable, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class HostClock(HostModel):
    """The dates every dated answer carries (交易日期与会计日期分离)."""

    business_date: Date
    acct_date: Date
    host_datetime: str


class ErrorBody(HostModel):
    """The unified error body of every non-2xx answer."""

    code: str
    farmer_message: str
    staff_message: str
    retryable: bool
    next_action: Literal["none", "retry", "query_status", "sign_in", "reenter_pin",
                         "call_staff", "fix_request", "stop"]
    detail: str = ""


# --- terminal ---------------------------------------------------------------------------------


class WrappedKey(HostModel):
    """A working key encrypted under the TMK (hex) and its check value (hex)."""

    under_tmk: str = Field(pattern=r"^[0-9A-Fa-f]+$")
    kcv: str = Field(pattern=r"^[0-9A-Fa-f]+$")


class WorkingKeys(HostModel):
    """PIK and MAK delivered at sign-in."""

    algorithm: Literal["TDES", "SM4"]
    pik: WrappedKey
    mak: WrappedKey


class SignInResponse(HostClock):
    """Terminal sign-in: dates, batch, working keys, the MAC and PIN-block conventions."""

    terminal_id: str
    server_time: str | None = None  # the host's real clock; host_datetime is the business day
    service_point: str
    batch_no: str
    keys: WorkingKeys
    mac_method: Literal["X9_19", "SM4"]
    pin_block_format: Literal["ISO0", "SM4_ISO0_ZERO_PAD"]


class SignOutResponse(HostClock):
    """Terminal sign-out."""

    terminal_id: str
    signed_in: bool


class HeartbeatResponse(HostClock):
    """The host's answer to a heartbeat (``audit_anchor``: what the host made of the audit
    head it was sent, ``None`` when none was sent)."""

    terminal_id: str
    signed_in: bool
    received: int
    audit_anchor: Literal["recorded", "regressed", "forked"] | None = None


class AuditAnchorRecord(HostModel):
    """One audit head the host received with a heartbeat."""

    seq: int
    hash: str
    received_at: str
    status: Literal["recorded", "regressed", "forked"]


class AuditAnchorList(HostModel):
    """Every audit head the host kept for this terminal, by seq."""

    terminal_id: str
    anchors: list[AuditAnchorRecord]


# --- customers, products, lines ---------------------------------------------------------------


class Reminder(HostModel):
    """An installment due soon or overdue, shown and spoken after identification."""

    loan_id: str
    kind: Literal["due_soon", "overdue"]
    due_date: Date
    amount: Money
    days: int


class IdentifyResponse(HostClock):
    """Who the farmer is to the bank (masked), and what to remind them of."""

    customer_id: str
    masked_name: str
    masked_id_number: str
    cards: list[str]
    card_verified: bool
    pin_verified: bool
    has_credit_line: bool
    line_signed: bool | None
    classification: Classification
    reminders: list[Reminder]


class Product(HostModel):
    """A loan product with its annual rate and rules."""

    code: str
    name: str
    family: Literal["闪电贷", "counter"]
    audience: str
    requirements: list[str]
    min_amount: Money
    max_amount: Money
    terms: list[int]
    methods: list[Method]
    annual_rate: Rate
    rate_label: str
    day_basis: Literal[360, 365]
    grace_days: int
    penalty_multiplier: Rate
    due_day: int | None
    online: bool


class ProductList(HostModel):
    """``GET /v1/products``."""

    products: list[Product]


class CreditLine(HostClock):
    """A customer's credit line (授信额度)."""

    line_id: str
    customer_id: str
    product_code: str
    limit: Money
    used: Money
    available: Money
    expiry: Date
    signed: bool
    revolving: bool
    contract_no: str | None
    signed_on: Date | None


# --- quotes, loans, repayments ----------------------------------------------------------------


class Installment(HostModel):
    """One line of a quoted schedule."""

    n: int
    due_date: Date
    payment: Money
    principal: Money
    interest: Money
    balance: Money


class QuoteResponse(HostClock):
    """``POST /v1/loans/quote``: the host's schedule, total interest and annual rate."""

    product_code: str
    amount: Money
    months: int
    method: Method
    annual_rate: Rate
    start_date: Date
    installments: list[Installment]
    total_interest: Money
    total_payment: Money
    apr_simple: Rate
    apr_compound: Rate


class DrawdownResponse(HostClock):
    """A confirmed drawdown (放款)."""

    status: str
    idempotency_key: str
    serial: str
    loan_id: str
    contract_no: str
    customer_id: str
    amount: Money
    months: int
    method: Method
    annual_rate: Rate
    apr_simple: Rate
    account_masked: str
    first_due_date: Date
    first_payment: Money
    total_interest: Money
    line_available: Money
    terminal_time: str | None


class LoanSummary(HostModel):
    """One loan (借据) of a customer."""

    loan_id: str
    contract_no: str
    product_code: str
    product_name: str
    amount: Money
    months: int
    method: Method
    annual_rate: Rate
    start_date: Date
    status: LoanStatus
    outstanding_principal: Money
    next_due_date: Date | None
    next_due_amount: Money
    overdue_amount: Money
    overdue_days: int
    classification: Classification
    repayment_account_masked: str


class LoanList(HostClock):
    """``GET /v1/customers/{id}/loans``."""

    customer_id: str
    loans: list[LoanSummary]


class ScheduleRow(HostModel):
    """A period of a booked loan: planned and paid buckets."""

    n: int
    due_date: Date
    status: Literal["PAID", "PARTIAL", "DUE", "OVERDUE", "FUTURE"]
    principal: Money
    interest: Money
    payment: Money
    principal_paid: Money
    interest_paid: Money
    penalty_accrued: Money
    penalty_paid: Money
    compound_accrued: Money
    compound_paid: Money
    days_overdue: int


class ScheduleResponse(HostClock):
    """``GET /v1/loans/{id}/schedule``."""

    loan_id: str
    outstanding_principal: Money
    rows: list[ScheduleRow]


class Breakdown(HostModel):
    """How an amount splits into fees, 复利, 罚息, interest and principal."""

    fees: Money
    compound: Money
    penalty: Money
    interest: Money
    principal: Money
    total: Money


class RepaymentRecord(HostModel):
    """One past repayment (还款明细)."""

    repayment_id: str
    serial: str
    kind: RepaymentKind
    acct_date: Date
    txn_datetime: str
    amount: Money
    breakdown: Breakdown
    channel: str


class RepaymentHistory(HostClock):
    """``GET /v1/loans/{id}/repayments``."""

    loan_id: str
    repayments: list[RepaymentRecord]


class RepaymentQuoteResponse(HostClock):
    """``POST /v1/repayments/quote``: the amount due or the payoff to the day."""

    loan_id: str
    kind: RepaymentKind
    as_of: Date
    amount: Money
    breakdown: Breakdown
    overdue_days: int
    outstanding_principal_after: Money
    new_installment: Money | None
    new_term: int | None


class RepaymentResponse(HostClock):
    """A confirmed repayment."""

    status: str
    idempotency_key: str
    serial: str
    repayment_id: str
    loan_id: str
    kind: RepaymentKind
    amount: Money
    breakdown: Breakdown
    loan_status: LoanStatus
    outstanding_principal: Money
    next_due_date: Date | None
    next_due_amount: Money
    account_masked: str
    terminal_time: str | None


class TransactionStatus(HostModel):
    """``GET /v1/transactions/{key}``: what became of a money request."""

    idempotency_key: str
    terminal_id: str
    path: str
    status: Literal["CONFIRMED", "DECLINED"]
    http_status: int
    created_at: str
    acct_date: Date
    result: dict[str, Any]


class RepaymentAccountResponse(HostClock):
    """The loan's new repayment account (masked)."""

    loan_id: str
    repayment_account_masked: str


# --- applications, intentions, staff ---------------------------------------------------------


class ApplicationStep(HostModel):
    """One step of an application's progress."""

    state: ApplicationState
    date: Date


class ApplicationDecision(HostModel):
    """The host's scorecard decision on an online application: APPROVE with a new, unsigned
    credit line (``line_id``), REFER to a loan officer (``intention_id``), DECLINE with up to
    four reason codes (K01..K05 knock-outs first, then R01..R10). The farmer's words for
    each code are in the ``credit`` catalog (``credit.reason.<code>``)."""

    decision: Literal["APPROVE", "REFER", "DECLINE"]
    model_version: str
    score: int | None
    grade: Literal["AAA", "AA", "A"] | None
    line: Money | None
    indicative_line: Money | None
    line_binding: str | None
    line_id: str | None = None
    intention_id: str | None = None
    officer_name: str | None = None  # REFER: the loan officer who visits, and within
    visit_within_days: int | None = None  # how many days
    knockouts: list[str]
    refer_triggers: list[str]
    reasons: list[str]
    info: list[str]
    apr_simple: Rate
    rate_label: str


class ApplicationResponse(HostClock):
    """An application (贷款申请) and its progress."""

    application_id: str
    status: ApplicationState
    product_code: str
    amount: Money
    months: int
    steps: list[ApplicationStep]
    masked_phone: str
    decision: ApplicationDecision | None = None


ProgressState = Literal["SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT", "APPROVED", "REJECTED",
                        "RECORDED", "ASSIGNED"]


class ProgressStep(HostModel):
    """One step of an application's or intention's progress."""

    state: ProgressState
    date: Date


class ProgressItem(HostModel):
    """An application (``kind`` application, ``SQ…``) or intention (``YX…``) made at any
    channel (``terminal``, ``mobile``, ``counter``, ``officer``)."""

    kind: Literal["application", "intention"]
    id: str
    channel: Literal["terminal", "mobile", "counter", "officer"]
    submitted: Date
    product_code: str | None
    amount: Money
    months: int | None
    purpose: str
    status: ProgressState
    steps: list[ProgressStep]
    decision: Literal["APPROVE", "REFER", "DECLINE"] | None = None
    reasons: list[str] = []
    line_id: str | None = None
    officer_name: str | None = None
    visit_within_days: int | None = None
    visit_time: Literal["morning", "afternoon", "any"] | None = None


class ProgressList(HostClock):
    """``GET /v1/customers/{id}/applications`` (申请进度), newest first."""

    customer_id: str
    items: list[ProgressItem]


class IntentionResponse(HostClock):
    """A recorded loan intention (贷款意向登记)."""

    intention_id: str
    status: str
    masked_phone: str
    officer_name: str
    visit_within_days: int


class StaffSignInResponse(HostClock):
    """A staff member signed in at this terminal."""

    staff_id: str
    name: str
    role: Literal["assistant", "officer", "technician"]
    session_token: str


class AuthorizationResponse(HostClock):
    """A recorded second-person authorisation."""

    authorization_id: str
    staff_id: str
    customer_id: str | None
    action: str
    amount: Money | None
    created_at: str
