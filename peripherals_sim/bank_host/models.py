"""Request and response bodies of the host API (the schema of ``docs/host-api.yaml``).

Money is a string with exactly two decimals (``"50000.00"``) in answers and a string with at
most two decimals in requests; rates are decimal strings (``"0.0435"``); dates ISO
``YYYY-MM-DD``. Personal data leaves the host masked only.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Money = Annotated[str, Field(pattern=r"^-?[0-9]{1,13}\.[0-9]{2}$", examples=["50000.00"])]
MoneyIn = Annotated[str, Field(pattern=r"^[0-9]{1,13}(\.[0-9]{1,2})?$", examples=["50000.00"])]
Rate = Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$", examples=["0.0435"])]
APR_RULE = ("IRR of the actual cash flows (PBOC 2021 No.3): the amount at time 0, each payment "
            "at its real time in months, measured as its interest is charged (a whole calendar "
            "month counts 1, so a bullet loan of N months pays at N; a broken period, e.g. an "
            "irregular first period, counts days / (day_basis / 12)); m = the monthly IRR. ")
AprSimple = Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$", examples=["0.043500"],
                                 description=APR_RULE + "Simple rate (单利) 12 x m, 6 decimals.")]
AprCompound = Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$", examples=["0.044378"],
                                   description=APR_RULE + "Compound (1 + m)^12 - 1, 6 decimals.")]
Date = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", examples=["2026-03-16"])]
Hex = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]*$")]
Pan = Annotated[str, Field(pattern=r"^[0-9]{12,19}$", examples=["6217991000001234561"])]
IdNumber = Annotated[str, Field(pattern=r"^[0-9A-Za-z]{15,18}$",
                                examples=["61042519680315301X"])]
Method = Literal["equal-installment", "equal-principal", "interest-first", "bullet"]
PrepayOption = Literal["shorter_term", "lower_installment"]
RepaymentKind = Literal["due", "overdue", "partial", "payoff"]


#: Every string a request carries is at most this long unless its field says otherwise
#: (ids, names, purposes ...); the whole body is limited too (app.MAX_BODY_BYTES, 413).
MAX_STRING = 256
MAX_SIGNATURE_BASE64 = 512 * 1024  # a signature picture (PNG, base64)


class _In(BaseModel):
    # strict: a JSON false is not a 0 and "12" is not 12 (found by the schemathesis run).
    # Numbers are ASCII only: patterns say [0-9], never \d (which also takes "５" and "٥").
    model_config = ConfigDict(extra="forbid", strict=True, str_max_length=MAX_STRING)


class ErrorBody(BaseModel):
    """The unified error model of every non-2xx answer."""

    code: str = Field(examples=["HOST-MAC-INVALID"])
    farmer_message: str
    staff_message: str
    retryable: bool
    next_action: Literal["none", "retry", "query_status", "sign_in", "reenter_pin",
                         "call_staff", "fix_request", "stop"]
    detail: str = ""


class HostClock(BaseModel):
    """Dates every answer of the terminal and sign-in calls carries."""

    business_date: Date
    acct_date: Date
    host_datetime: str


# --- terminal --------------------------------------------------------------------------------

class SignInRequest(_In):
    algorithm: Literal["TDES", "SM4"] = "TDES"
    trace: str | None = Field(default=None, pattern=r"^[0-9]{6}$", description="terminal trace no.")


class WrappedKey(BaseModel):
    under_tmk: Hex = Field(description="working key encrypted under the TMK, ECB, hex")
    kcv: Hex = Field(description="check value: key encrypting zeros, leftmost 4 (TDES) "
                                 "or 8 (SM4) bytes, hex")


class WorkingKeys(BaseModel):
    algorithm: Literal["TDES", "SM4"]
    pik: WrappedKey
    mak: WrappedKey


class SignInResponse(HostClock):
    terminal_id: str
    server_time: str = Field(description="the host's real clock (ISO 8601 with its offset), "
                             "for the terminal's clock check; host_datetime carries the "
                             "business date, which a simulated host may set to another day")
    service_point: str
    batch_no: str
    keys: WorkingKeys
    mac_method: Literal["X9_19", "SM4"]
    pin_block_format: Literal["ISO0", "SM4_ISO0_ZERO_PAD"]


class SignOutResponse(HostClock):
    terminal_id: str
    signed_in: bool


class AuditAnchor(_In):
    """The head of the terminal's tamper-evident audit log: last record's seq and hash."""

    seq: int = Field(ge=1)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the last line, hex")


class HeartbeatRequest(_In):
    devices: dict[str, str] = Field(default_factory=dict, examples=[{"printer": "online"}])
    versions: dict[str, str] = Field(default_factory=dict)
    outbox_depth: int = Field(default=0, ge=0)
    unresolved: list[str] = Field(default_factory=list, description="idempotency keys")
    audit_head: AuditAnchor | None = Field(
        default=None, description="the audit log's head (anchor); the host keeps every one")


class HeartbeatResponse(HostClock):
    terminal_id: str
    signed_in: bool
    received: int
    audit_anchor: Literal["recorded", "regressed", "forked"] | None = Field(
        default=None, description="recorded; regressed: seq lower than an earlier anchor "
        "(the log was cut); forked: same seq, another hash (the log was rewritten)")


class AuditAnchorRecord(BaseModel):
    seq: int
    hash: str
    received_at: str
    status: Literal["recorded", "regressed", "forked"]


class AuditAnchorList(BaseModel):
    terminal_id: str
    anchors: list[AuditAnchorRecord]


# --- customers ------------------------------------------------------------------------------

class IdentifyRequest(_In):
    id_number: IdNumber
    name: str | None = None
    card_type: str | None = None
    pan: Pan | None = None
    pin_block: Hex | None = Field(default=None, description="PIN block under the PIK")


class Reminder(BaseModel):
    loan_id: str
    kind: Literal["due_soon", "overdue"]
    due_date: Date
    amount: Money
    days: int = Field(description="days until due (due_soon) or days overdue (overdue)")


class IdentifyResponse(HostClock):
    customer_id: str
    masked_name: str
    masked_id_number: str
    cards: list[str] = Field(description="masked PANs of the customer's cards")
    card_verified: bool
    pin_verified: bool
    has_credit_line: bool
    line_signed: bool | None
    classification: Literal["正常", "关注", "次级", "可疑", "损失"]
    reminders: list[Reminder]


class Product(BaseModel):
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
    rate_label: str = Field(examples=["年化利率（单利）4.35%"])
    day_basis: Literal[360, 365]
    grace_days: int
    penalty_multiplier: Rate
    due_day: int | None
    online: bool


class ProductList(BaseModel):
    products: list[Product]


class CreditLine(HostClock):
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


class SignWitness(_In):
    """A witnessed signing (见证签约): the farmer cannot see or cannot write; a staff member
    witnessed the consent and authorised it with their own credential (``authorization_id``
    of ``POST /v1/authorizations`` with action ``line_sign``); the farmer's PIN is the
    farmer's own act."""

    method: Literal["witnessed"]
    staff_id: str = Field(min_length=1, max_length=16)
    mode: Literal["audio_guided", "cannot_write"] = Field(
        description="why there is no picture: the audio-guided mode (keys only), or a farmer "
        "who cannot write")
    authorization_id: str = Field(min_length=1, max_length=32)


class SignLineRequest(_In):
    customer_id: str
    pan: Pan
    pin_block: Hex
    signature_png_base64: str | None = Field(
        default=None, min_length=1, max_length=MAX_SIGNATURE_BASE64,
        description="the signature drawn on the pad (PNG, base64); or a witness instead")
    witness: SignWitness | None = Field(
        default=None, description="a witnessed signing instead of a picture")
    contract_version: str
    consents: dict[str, bool] = Field(description="separate consents, e.g. credit_query")


# --- quotes and loans -----------------------------------------------------------------------

class QuoteRequest(_In):
    product_code: str
    amount: MoneyIn
    months: int = Field(ge=1, le=360)
    method: Method
    start_date: Date | None = Field(default=None, description="default: the accounting date")


class Installment(BaseModel):
    n: int
    due_date: Date
    payment: Money
    principal: Money
    interest: Money
    balance: Money


class QuoteResponse(HostClock):
    product_code: str
    amount: Money
    months: int
    method: Method
    annual_rate: Rate
    start_date: Date
    installments: list[Installment]
    total_interest: Money
    total_payment: Money
    apr_simple: AprSimple
    apr_compound: AprCompound


class DrawdownRequest(_In):
    customer_id: str
    line_id: str
    amount: MoneyIn
    months: int = Field(ge=1, le=360)
    method: Method
    pan: Pan = Field(description="receiving and repayment account")
    pin_block: Hex
    purpose: str | None = None
    authorization_id: str | None = None
    terminal_time: str | None = None


class DrawdownResponse(HostClock):
    status: Literal["CONFIRMED"]
    idempotency_key: str
    serial: str
    loan_id: str
    contract_no: str
    customer_id: str
    amount: Money
    months: int
    method: Method
    annual_rate: Rate
    apr_simple: AprSimple
    account_masked: str
    first_due_date: Date
    first_payment: Money
    total_interest: Money
    line_available: Money
    terminal_time: str | None


class LoanSummary(BaseModel):
    loan_id: str
    contract_no: str
    product_code: str
    product_name: str
    amount: Money
    months: int
    method: Method
    annual_rate: Rate
    start_date: Date
    status: Literal["ACTIVE", "OVERDUE", "CLOSED"]
    outstanding_principal: Money
    next_due_date: Date | None
    next_due_amount: Money
    overdue_amount: Money
    overdue_days: int
    classification: Literal["正常", "关注", "次级", "可疑", "损失"]
    repayment_account_masked: str


class LoanList(HostClock):
    customer_id: str
    loans: list[LoanSummary]


class ScheduleRow(BaseModel):
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
    loan_id: str
    outstanding_principal: Money
    rows: list[ScheduleRow]


class Breakdown(BaseModel):
    fees: Money
    compound: Money
    penalty: Money
    interest: Money
    principal: Money
    total: Money


class RepaymentRecord(BaseModel):
    repayment_id: str
    serial: str
    kind: RepaymentKind
    acct_date: Date
    txn_datetime: str
    amount: Money
    breakdown: Breakdown
    channel: str


class RepaymentHistory(HostClock):
    loan_id: str
    repayments: list[RepaymentRecord]


class RepaymentQuoteRequest(_In):
    loan_id: str
    kind: RepaymentKind
    amount: MoneyIn | None = Field(default=None, description="required for kind=partial")
    option: PrepayOption | None = Field(default=None, description="for partial prepayment")


class RepaymentQuoteResponse(HostClock):
    loan_id: str
    kind: RepaymentKind
    as_of: Date
    amount: Money
    breakdown: Breakdown
    overdue_days: int
    outstanding_principal_after: Money
    new_installment: Money | None
    new_term: int | None


class RepaymentRequest(_In):
    customer_id: str
    loan_id: str
    kind: RepaymentKind
    amount: MoneyIn
    option: PrepayOption | None = None
    pan: Pan = Field(description="the debited (linked) account")
    pin_block: Hex
    terminal_time: str | None = None


class RepaymentResponse(HostClock):
    status: Literal["CONFIRMED"]
    idempotency_key: str
    serial: str
    repayment_id: str
    loan_id: str
    kind: RepaymentKind
    amount: Money
    breakdown: Breakdown
    loan_status: Literal["ACTIVE", "OVERDUE", "CLOSED"]
    outstanding_principal: Money
    next_due_date: Date | None
    next_due_amount: Money
    account_masked: str
    terminal_time: str | None


class TransactionStatus(BaseModel):
    idempotency_key: str
    terminal_id: str
    path: str
    status: Literal["CONFIRMED", "DECLINED"]
    http_status: int
    created_at: str
    acct_date: Date
    result: dict[str, object] = Field(description="the first answer's body, as sent")


class RepaymentAccountRequest(_In):
    customer_id: str
    new_pan: Pan
    pin_block: Hex = Field(description="PIN of the new card, under the PIK")
    authorization_id: str


class RepaymentAccountResponse(HostClock):
    loan_id: str
    repayment_account_masked: str


# --- applications, intentions, staff --------------------------------------------------------

class ApplicationRequest(_In):
    customer_id: str | None = None
    id_number: IdNumber | None = None
    product_code: str
    amount: MoneyIn
    months: int = Field(ge=1, le=360)
    purpose: str
    phone: str = Field(pattern=r"^1[0-9]{10}$")
    consent: bool


class ApplicationStep(BaseModel):
    state: Literal["SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT", "APPROVED", "REJECTED"]
    date: Date


class ApplicationDecision(BaseModel):
    """The scorecard's decision on an online application (reference farmer_credit_scorecard
    §4.9): APPROVE with a new credit line to sign, REFER to a loan officer (an intention is
    registered), DECLINE with up to four specific reasons (codes K01..K05, R01..R10)."""

    decision: Literal["APPROVE", "REFER", "DECLINE"]
    model_version: str
    score: int | None
    grade: Literal["AAA", "AA", "A"] | None
    pd_scale: str | None = Field(description="probability of default on the model's scale "
                                 "(illustrative, not calibrated)")
    points: dict[str, int] = Field(description="points per characteristic (age not shown)")
    line: Money | None = Field(description="the approved credit line")
    indicative_line: Money | None = Field(description="REFER: a line for the officer to check")
    line_binding: Literal["formula", "capacity", "product_cap", "reg_cap"] | None
    line_id: str | None = Field(default=None, description="APPROVE: the new line, unsigned")
    intention_id: str | None = Field(default=None, description="REFER: the officer's visit")
    officer_name: str | None = Field(default=None, description="REFER: who visits")
    visit_within_days: int | None = Field(default=None, description="REFER: visit within")
    knockouts: list[str]
    refer_triggers: list[str]
    reasons: list[str] = Field(description="at most four, most important first")
    info: list[str] = Field(description="I01 capacity, I02 the 20万 rule, I03 product cap "
                            "bound the line below the amount asked")
    not_accepted: str | None = None
    apr_simple: str
    rate_label: str


class ApplicationResponse(HostClock):
    application_id: str
    status: Literal["SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT", "APPROVED", "REJECTED"]
    product_code: str
    amount: Money
    months: int
    steps: list[ApplicationStep]
    masked_phone: str
    decision: ApplicationDecision | None = Field(
        default=None, description="online products: the scorecard's decision; "
        "counter products: null (a loan officer decides)")


class IntentionRequest(_In):
    id_number: IdNumber | None = None
    customer_id: str | None = None
    name: str | None = None
    phone: str = Field(pattern=r"^1[0-9]{10}$")
    village: str | None = None
    amount: MoneyIn
    purpose: str
    consent: bool
    recorded_at: str | None = Field(default=None, description="terminal time (queued offline)")
    visit_time: Literal["morning", "afternoon", "any"] | None = Field(
        default=None, description="when the loan officer may visit")
    application_id: str | None = Field(
        default=None, description="a declined application whose human review the farmer "
        "asks for (F06)")


class IntentionResponse(HostClock):
    intention_id: str
    status: Literal["RECORDED"]
    masked_phone: str
    officer_name: str
    visit_within_days: int


ProgressState = Literal["SUBMITTED", "UNDER_REVIEW", "FIELD_VISIT", "APPROVED", "REJECTED",
                        "RECORDED", "ASSIGNED"]


class ProgressStep(BaseModel):
    state: ProgressState
    date: Date


class ProgressItem(BaseModel):
    """One application (贷款申请, ``SQ…``) or intention (贷款意向登记, ``YX…``) of the customer,
    made at any channel."""

    kind: Literal["application", "intention"]
    id: str
    channel: Literal["terminal", "mobile", "counter", "officer"] = Field(
        description="where it was made: a terminal, mobile banking, the branch counter, or "
        "a loan officer in the field")
    submitted: Date
    product_code: str | None = Field(description="null for an intention (no product yet)")
    amount: Money
    months: int | None
    purpose: str
    status: ProgressState
    steps: list[ProgressStep] = Field(description="oldest first; the last is the status")
    decision: Literal["APPROVE", "REFER", "DECLINE"] | None = Field(
        description="the scorecard's decision (online products), else null")
    reasons: list[str] = Field(description="DECLINE: up to four reason codes")
    line_id: str | None = Field(description="APPROVE: the new credit line (sign it)")
    officer_name: str | None = Field(description="the loan officer who follows it up")
    visit_within_days: int | None
    visit_time: Literal["morning", "afternoon", "any"] | None = Field(
        default=None, description="an intention's preferred visit time")


class ProgressList(HostClock):
    customer_id: str
    items: list[ProgressItem] = Field(description="newest first")


class StaffSignInRequest(_In):
    staff_id: str
    password: str


class StaffSignInResponse(HostClock):
    staff_id: str
    name: str
    role: Literal["assistant", "officer", "technician"]
    session_token: str


class AuthorizationRequest(_In):
    staff_id: str
    session_token: str
    customer_id: str | None = Field(
        default=None, description="required except for receipt_reprint and "
        "transaction_resolve, where reference names the transaction")
    action: Literal["drawdown", "repayment_account_change", "line_sign", "repayment",
                    "receipt_reprint", "transaction_resolve"]
    amount: MoneyIn | None = None
    reference: str | None = None


class AuthorizationResponse(HostClock):
    authorization_id: str
    staff_id: str
    customer_id: str | None
    action: str
    amount: Money | None
    created_at: str
