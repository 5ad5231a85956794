"""The host's unified error model: one code per failure, with texts for farmer and staff.

Every error answer of the host API has the body
``{"code", "farmer_message", "staff_message", "retryable", "next_action", "detail"}``.
The codes are the ones of the kiosk's error table (``kiosk/error_codes/host.yaml``); the texts
here are the bank's own (a real host sends its own wording), in zh_CN and en, chosen by the
request's ``Accept-Language``. A test checks that every code here is in the kiosk's table and
catalogs, so the two sides cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NextAction(StrEnum):
    """What the terminal should do after the error."""

    NONE = "none"  # nothing to do (e.g. informational)
    RETRY = "retry"  # the same request again later (same idempotency key for money)
    QUERY_STATUS = "query_status"  # outcome unknown: GET /v1/transactions/{key}
    SIGN_IN = "sign_in"  # terminal must sign in again (new working keys)
    REENTER_PIN = "reenter_pin"
    CALL_STAFF = "call_staff"
    FIX_REQUEST = "fix_request"  # a bug or bad input on the terminal side
    STOP = "stop"  # business refusal: tell the farmer, end the journey


@dataclass(frozen=True)
class ErrorSpec:
    """One host error code: HTTP status, retryability, next action and its texts."""

    code: str
    status: int
    retryable: bool
    next_action: NextAction
    farmer_zh: str
    farmer_en: str
    staff_zh: str
    staff_en: str


def _e(code: str, status: int, retryable: bool, nxt: NextAction,
       farmer_zh: str, farmer_en: str, staff_zh: str, staff_en: str) -> ErrorSpec:
    return ErrorSpec(code, status, retryable, nxt, farmer_zh, farmer_en, staff_zh, staff_en)


N = NextAction
ERRORS: dict[str, ErrorSpec] = {e.code: e for e in [
    _e("HOST-FORMAT", 400, False, N.FIX_REQUEST,
       "业务暂时办不了，请找工作人员帮忙。", "This cannot be done right now. Please ask the staff.",
       "请求报文格式错误（银联30）", "Malformed request (UnionPay 30)"),
    _e("HOST-TERMINAL-UNKNOWN", 403, False, N.CALL_STAFF,
       "这台机器暂时不能办业务，请找工作人员。",
       "This terminal cannot serve now. Please ask the staff.",
       "终端未登记或证书不符（银联97）", "Terminal not registered or certificate mismatch (97)"),
    _e("HOST-NOT-SIGNED-IN", 401, True, N.SIGN_IN,
       "机器正在准备，请稍等再试。", "The terminal is getting ready. Please try again shortly.",
       "终端未签到或已签退，需重新签到", "Terminal not signed in; sign in again"),
    _e("HOST-MAC-INVALID", 401, True, N.SIGN_IN,
       "机器正在准备，请稍等再试。", "The terminal is getting ready. Please try again shortly.",
       "MAC校验失败，需重新签到（银联A0）", "MAC verification failed; sign in again (A0)"),
    _e("HOST-IDEMPOTENCY-KEY-MISSING", 400, False, N.FIX_REQUEST,
       "业务暂时办不了，请找工作人员帮忙。", "This cannot be done right now. Please ask the staff.",
       "资金类请求缺少Idempotency-Key", "Money request without an Idempotency-Key"),
    _e("HOST-IDEMPOTENCY-CONFLICT", 409, False, N.QUERY_STATUS,
       "这笔业务已经提交过，请不要重复操作。",
       "This was already submitted. Please do not repeat it.",
       "同一流水号已用于不同的请求内容（银联94）",
       "Key already used with a different request (94)"),
    _e("HOST-TXN-NOT-FOUND", 404, False, N.NONE,
       "没有查到这笔业务。", "This transaction was not found.",
       "原交易不存在，主机未受理该流水号（银联25）", "Original not found; key never applied (25)"),
    _e("HOST-CUSTOMER-NOT-FOUND", 404, False, N.STOP,
       "没有查到您的贷款信息，可以登记贷款意向，信贷员会联系您。",
       "We found no loan record for you. You can register an intention; an officer will call.",
       "证件号未匹配到客户", "No customer for this ID number"),
    _e("HOST-CARD-MISMATCH", 403, False, N.STOP,
       "这张银行卡和身份证不是同一个人的，请换卡。",
       "This bank card does not belong to this ID card. Please use your own card.",
       "卡号与客户不符（银联14）", "Card not linked to this customer (14)"),
    _e("HOST-PIN-WRONG", 403, True, N.REENTER_PIN,
       "密码不对，请重新输入。", "Wrong PIN. Please enter it again.",
       "密码错（银联55）", "Wrong PIN (55)"),
    _e("HOST-PIN-LOCKED", 403, False, N.STOP,
       "密码错误次数太多，今天不能再试，请带身份证到网点办理。",
       "Too many wrong PINs. Please visit the branch with your ID card.",
       "密码错误次数超限（银联38/75）", "PIN tries exceeded (38/75)"),
    _e("HOST-LINE-NOT-FOUND", 404, False, N.STOP,
       "您还没有贷款额度，可以登记贷款意向。",
       "You have no credit line yet. You can register a loan intention.",
       "客户无授信额度", "Customer has no credit line"),
    _e("HOST-LINE-NOT-SIGNED", 409, False, N.STOP,
       "您的额度还没有签约，请先签约。", "Your credit line is not signed yet. Please sign first.",
       "额度未签约，不能支用", "Credit line not signed; no drawdown"),
    _e("HOST-LINE-ALREADY-SIGNED", 409, False, N.NONE,
       "您的额度已经签约了，不用再签。", "Your credit line is already signed.",
       "额度已签约", "Credit line already signed"),
    _e("HOST-LINE-EXPIRED", 409, False, N.STOP,
       "您的额度已经到期，请联系信贷员。",
       "Your credit line has expired. Please contact the officer.",
       "额度已到期", "Credit line expired"),
    _e("HOST-AMOUNT-INVALID", 422, False, N.FIX_REQUEST,
       "金额不对，请重新输入。", "The amount is not right. Please enter it again.",
       "金额无效或与报价不符（银联13）", "Invalid amount or not the quoted amount (13)"),
    _e("HOST-AMOUNT-OVER-LIMIT", 422, False, N.STOP,
       "金额超过了您能借的额度，请改小一点。",
       "The amount is more than you can borrow. Please choose less.",
       "超过可用额度或产品限额（银联61）", "Over available line or product limit (61)"),
    _e("HOST-PRODUCT-NOT-FOUND", 404, False, N.FIX_REQUEST,
       "这个贷款产品现在不能办理。", "This loan product is not available.",
       "产品不存在或已下架", "Unknown or withdrawn product"),
    _e("HOST-PRODUCT-RULE", 422, False, N.FIX_REQUEST,
       "这个期限或还款方式不能选，请换一个。",
       "This term or repayment method is not offered. Please choose another.",
       "期限或还款方式不符合产品规则", "Term or method not allowed by the product"),
    _e("HOST-LOAN-NOT-FOUND", 404, False, N.STOP,
       "没有查到这笔贷款。", "This loan was not found.",
       "借据不存在或不属于该客户", "Loan (due bill) not found for this customer"),
    _e("HOST-LOAN-CLOSED", 409, False, N.NONE,
       "这笔贷款已经还清了。", "This loan is already paid off.",
       "借据已结清", "Loan already closed"),
    _e("HOST-NOTHING-DUE", 409, False, N.NONE,
       "现在没有要还的钱。", "Nothing is due right now.",
       "当前无应还/逾期金额", "Nothing due or overdue"),
    _e("HOST-INSUFFICIENT-FUNDS", 422, False, N.STOP,
       "卡里的钱不够，请存入后再还款。",
       "There is not enough money on the card. Please deposit first.",
       "还款账户余额不足（银联51）", "Insufficient balance in the repayment account (51)"),
    _e("HOST-STAFF-AUTH-FAILED", 403, False, N.CALL_STAFF,
       "工作人员登录没有成功。", "Staff sign-in failed.",
       "柜员号或密码错误", "Wrong staff id or password"),
    _e("HOST-AUTHORIZATION-REQUIRED", 403, False, N.CALL_STAFF,
       "这笔业务需要工作人员确认，请找工作人员。",
       "A staff member must confirm this. Please ask the staff.",
       "需要协理员授权（授权号缺失、无效或不匹配）",
       "Second-person authorisation missing, invalid or for another action"),
    _e("HOST-APPLICATION-NOT-FOUND", 404, False, N.NONE,
       "没有查到这笔申请。", "This application was not found.",
       "申请编号不存在", "Unknown application id"),
    _e("HOST-CONSENT-REQUIRED", 422, False, N.STOP,
       "需要您同意后才能办理。", "We need your consent to continue.",
       "缺少客户单独同意", "Customer consent missing"),
    _e("HOST-DAY-END", 503, True, N.RETRY,
       "银行正在日终处理，请过几分钟再试。",
       "The bank is closing the day. Please try again in a few minutes.",
       "日切进行中，稍后重试（银联90）", "Day-end switch in progress; retry later (90)"),
    _e("HOST-UNAVAILABLE", 503, True, N.RETRY,
       "银行系统暂时连不上，请稍后再试。",
       "The bank cannot be reached right now. Please try again later.",
       "主机暂不可用（银联96）", "Host unavailable (96)"),
    _e("HOST-TIMEOUT", 504, True, N.QUERY_STATUS,
       "正在处理中，请不要重复操作。", "Processing. Please do not repeat the operation.",
       "主机应答超时，结果未明，需按流水号查询（银联98）",
       "No answer in time; outcome unknown, query by key (98)"),
    _e("HOST-CONNECTION", 503, True, N.QUERY_STATUS,
       "网络不通，请稍后再试。", "No network connection. Please try again later.",
       "连接失败或被重置；资金类交易需按流水号查询",
       "Connection failed or reset; query money requests by key"),
    _e("HOST-TLS", 503, False, N.CALL_STAFF,
       "这台机器暂时不能办业务，请找工作人员。",
       "This terminal cannot serve now. Please ask the staff.",
       "TLS握手失败：证书无效、过期或不被信任",
       "TLS handshake failed: certificate invalid or untrusted"),
    _e("HOST-INTERNAL", 500, True, N.QUERY_STATUS,
       "银行系统出了点问题，请稍后再试。", "The bank system has a problem. Please try again later.",
       "主机内部错误（银联96）", "Host internal error (96)"),
]}
del N

# Codes a terminal produces itself (no host answer): they are in the table so the kiosk shows
# them the same way, but the simulator never sends them.
CLIENT_SIDE_CODES = frozenset({"HOST-TIMEOUT", "HOST-CONNECTION", "HOST-TLS"})


class HostError(Exception):
    """Raised by the ledger and the service; the app turns it into the error body."""

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in ERRORS:
            raise ValueError(f"unknown host error code {code}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def spec(self) -> ErrorSpec:
        return ERRORS[self.code]


def wants_english(accept_language: str | None) -> bool:
    """zh_CN unless the terminal prefers English (``Accept-Language: en``)."""
    if not accept_language:
        return False
    first = accept_language.split(",", 1)[0].strip().lower()
    return first.startswith("en")


def error_body(code: str, detail: str = "", english: bool = False) -> dict[str, object]:
    """The JSON body of an error answer."""
    spec = ERRORS[code]
    return {
        "code": code,
        "farmer_message": spec.farmer_en if english else spec.farmer_zh,
        "staff_message": spec.staff_en if english else spec.staff_zh,
        "retryable": spec.retryable,
        "next_action": spec.next_action.value,
        "detail": detail,
    }
