"""The simulator's own loan ledger: schedules, accrual to the day, overdue, allocation.

An independent implementation of ``lending_rules.md`` (the kiosk's ``kiosk/lending`` is the
other one; both are checked against the same reference numbers, and a contract test compares
this one's quotes with ``kiosk calc --json`` run as a program, never imported):

- monthly rate = annual / 12 on a full regular month; daily rate = annual / day_basis (360, or
  365 as a product setting) on a broken period (first period of irregular length, a period cut
  by a prepayment, accrual to the day for a payoff); ``convention="actual"`` uses days always;
- every money line rounded HALF_UP to the fen; the last installment takes the residual
  principal; rates are never rounded; Decimal with 40 digits throughout;
- overdue: 罚息 = overdue principal x rate x penalty multiplier / basis x days since the due
  date; 复利 = unpaid interest x the same penalty rate; nothing within ``grace_days`` (after
  grace it runs from the due date); penalties are crystallised at each payment;
- allocation: oldest period first, inside a period the configured bucket order (default fees,
  复利, 罚息, interest, principal); or bucket type first across periods (``mode="type_first"``);
- annual rate (PBOC 2021 No.3): IRR of the cash flows at their real times in months, a whole
  calendar month counting 1 and a broken period days / (basis / 12), a bullet loan its real
  term; simple = 12 x monthly IRR, compound = (1 + m)^12 - 1.

State is plain mutable dataclasses; :func:`loan_to_dict` / :func:`loan_from_dict` persist it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

D = Decimal
ZERO = D("0.00")
CENT = D("0.01")
METHODS = ("equal-installment", "equal-principal", "interest-first", "bullet")
BUCKETS = ("fees", "compound", "penalty", "interest", "principal")
DEFAULT_ORDER = BUCKETS
PENALTY_MULTIPLIER = D("1.5")
CLASSES = ("正常", "关注", "次级", "可疑", "损失")


def fen(x: Decimal) -> Decimal:
    """Round money HALF_UP to the fen."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def money(x: Decimal) -> str:
    return str(fen(x))


def add_months(d: dt.date, n: int, day: int | None = None) -> dt.date:
    """``d`` plus ``n`` months on ``day`` (default d's day), clamped to the month's end."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day or d.day, last))


def _month_end(d: dt.date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def is_full_month(start: dt.date, end: dt.date) -> bool:
    """True when ``end`` is exactly one calendar month after ``start``."""
    if add_months(start, 1) == end:
        return True
    nxt = add_months(start, 1)
    return _month_end(start) and _month_end(end) and (nxt.year, nxt.month) == (end.year, end.month)


def classify(days_overdue: int) -> str:
    """Five-class classification floor by days overdue (2023 Measures, reference §2.5)."""
    if days_overdue <= 0:
        return CLASSES[0]
    if days_overdue <= 90:
        return CLASSES[1]
    if days_overdue <= 270:
        return CLASSES[2]
    if days_overdue <= 360:
        return CLASSES[3]
    return CLASSES[4]


@dataclass(frozen=True)
class Terms:
    """The pricing rules a loan is booked with (copied from its product at drawdown)."""

    annual_rate: Decimal
    day_basis: int = 360
    convention: str = "monthly"  # "monthly": full months by annual/12; "actual": always days
    grace_days: int = 0
    penalty_multiplier: Decimal = PENALTY_MULTIPLIER
    prepay_fee_rate: Decimal = ZERO
    order: tuple[str, ...] = DEFAULT_ORDER
    mode: str = "period_first"  # or "type_first"

    @property
    def monthly(self) -> Decimal:
        return self.annual_rate / 12

    @property
    def daily(self) -> Decimal:
        return self.annual_rate / self.day_basis

    @property
    def penalty_daily(self) -> Decimal:
        return self.annual_rate * self.penalty_multiplier / self.day_basis


@dataclass
class Installment:
    """One period of a schedule with its planned and paid buckets."""

    n: int
    start: dt.date  # interest runs from here
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fees: Decimal = ZERO
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    fees_paid: Decimal = ZERO
    penalty_accrued: Decimal = ZERO  # crystallised at payments
    penalty_paid: Decimal = ZERO
    compound_accrued: Decimal = ZERO
    compound_paid: Decimal = ZERO
    accrual_from: dt.date | None = None  # penalties crystallised up to this date

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest + self.fees

    @property
    def principal_left(self) -> Decimal:
        return self.principal - self.principal_paid

    @property
    def interest_left(self) -> Decimal:
        return self.interest - self.interest_paid

    @property
    def fees_left(self) -> Decimal:
        return self.fees - self.fees_paid

    @property
    def settled(self) -> bool:
        return (self.principal_left == 0 and self.interest_left == 0 and self.fees_left == 0
                and self.penalty_accrued == self.penalty_paid
                and self.compound_accrued == self.compound_paid)


# --- schedules --------------------------------------------------------------------------------

def due_dates(start: dt.date, months: int, due_day: int | None) -> list[dt.date]:
    """Due dates: the fixed ``due_day`` of each following month, or the anniversary day."""
    return [add_months(start, k, due_day) for k in range(1, months + 1)]


def period_interest(balance: Decimal, terms: Terms, start: dt.date, end: dt.date) -> Decimal:
    """Interest of one period: a full month by annual/12, otherwise by actual days."""
    if terms.convention == "monthly" and is_full_month(start, end):
        return fen(balance * terms.monthly)
    return fen(balance * terms.daily * (end - start).days)


def level_installment(principal: Decimal, rate: Decimal, periods: int) -> Decimal:
    """等额本息 installment, rounded to the fen; ``(1+r)^N`` is never rounded."""
    with localcontext() as ctx:
        ctx.prec = 40
        if rate == 0:
            return fen(principal / periods)
        f = (1 + rate) ** periods
        return fen(principal * rate * f / (f - 1))


def build_schedule(amount: Decimal, months: int, method: str, terms: Terms, start: dt.date,
                   due_day: int | None = None) -> list[Installment]:
    """A fresh schedule for ``amount`` disbursed on ``start`` over ``months`` periods.

    Due dates fall on ``due_day`` of each following month (the anniversary day when None); a
    first period that is not exactly one month is charged by actual days.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method}")
    if amount <= 0 or months < 1:
        raise ValueError("amount and months must be positive")
    with localcontext() as ctx:
        ctx.prec = 40
        if method == "bullet":
            due = add_months(start, months)
            if terms.convention == "monthly":
                interest = fen(amount * terms.annual_rate * months / 12)
            else:
                interest = fen(amount * terms.daily * (due - start).days)
            return [Installment(1, start, due, amount, interest)]
        day = due_day or start.day
        return _rows(method, terms, amount, months, start, add_months(start, 1, day), day, 1)


def _rows(method: str, terms: Terms, balance: Decimal, months: int, start: dt.date,
          first_due: dt.date, due_day: int, n0: int,
          level: Decimal | None = None) -> list[Installment]:
    """Amortise ``balance`` from ``start``; the first period ends on ``first_due``.

    With ``level`` given (等额本息, shorter term after a prepayment) the installment is kept
    and the schedule runs until the balance is repaid, whatever ``months`` says.
    """
    with localcontext() as ctx:
        ctx.prec = 40
        fixed_term = level is None
        if method == "equal-installment" and level is None:
            level = level_installment(balance, terms.monthly, months)
        equal_p = fen(balance / months)
        rows: list[Installment] = []
        prev, bal, k = start, balance, 0
        while bal > 0:
            due = first_due if k == 0 else add_months(first_due, k, due_day)
            interest = period_interest(bal, terms, prev, due)
            last = fixed_term and k == months - 1
            if method == "equal-installment":
                assert level is not None
                p = bal if last else min(level - interest, bal)
                if p <= 0:
                    raise LedgerError("HOST-AMOUNT-INVALID", "installment below the interest")
            elif method == "equal-principal":
                p = bal if last else min(equal_p, bal)
            else:  # interest-first
                p = bal if last else ZERO
            rows.append(Installment(n0 + k, prev, due, p, interest))
            bal -= p
            prev = due
            k += 1
            if k > 1200:
                raise LedgerError("HOST-AMOUNT-INVALID", "cannot amortise")
        return rows


def whole_months(start: dt.date, end: dt.date) -> int | None:
    """k when ``end`` is exactly k >= 1 calendar months after ``start`` (month end to month end
    counts, as in :func:`is_full_month`), else None."""
    k = (end.year - start.year) * 12 + end.month - start.month
    if k < 1:
        return None
    if add_months(start, k) == end or (_month_end(start) and _month_end(end)):
        return k
    return None


def period_months(start: dt.date, end: dt.date, terms: Terms) -> Decimal:
    """Length of ``start..end`` in months for the annual rate, measured as its interest is
    charged: whole calendar months count one each under the monthly convention (interest
    annual/12 a month); any other period (a broken first period, every period under the actual
    convention) counts days / (basis / 12), since its interest is days x annual / basis."""
    if terms.convention == "monthly":
        k = whole_months(start, end)
        if k is not None:
            return D(k)
    with localcontext() as ctx:
        ctx.prec = 40
        return D((end - start).days) / (D(terms.day_basis) / 12)


def payment_times(installments: list[Installment], terms: Terms) -> list[Decimal]:
    """When each installment is paid, in months from the start of the first period."""
    t, out = D(0), []
    for i in installments:
        t += period_months(i.start, i.due_date, terms)
        out.append(t)
    return out


def annual_rates(amount: Decimal, payments: list[Decimal],
                 times: list[Decimal] | None = None) -> tuple[Decimal, Decimal]:
    """(simple, compound) annual rate by the IRR of the actual cash flows (PBOC 2021 No.3).

    ``amount`` is received at time 0 and ``payments[k]`` paid at ``times[k]`` months (default
    1, 2, ..., N: regular monthly installments); the monthly IRR m solves
    amount = sum(payment x (1 + m)^-t). Simple = 12 x m, compound = (1 + m)^12 - 1; both rounded
    HALF_UP to 6 decimals for disclosure.
    """
    if times is None:
        times = [D(k) for k in range(1, len(payments) + 1)]
    if len(times) != len(payments):
        raise ValueError("one time per payment")
    pv0 = float(amount)
    flows = [(float(p), float(t)) for p, t in zip(payments, times, strict=True)]

    def npv(m: float) -> float:
        return sum(f * math.pow(1.0 + m, -t) for f, t in flows) - pv0

    lo, hi = 0.0, 1.0
    if npv(lo) <= 0:  # no cost at all
        return D("0.000000"), D("0.000000")
    while npv(hi) > 0:  # a very short, very dear loan
        lo, hi = hi, hi * 2
    for _ in range(80):  # far below the 6 decimals shown
        mid = (lo + hi) / 2
        if npv(mid) > 0:
            lo = mid
        else:
            hi = mid
    m = (lo + hi) / 2
    six = D("0.000001")
    return (D(repr(m * 12)).quantize(six, ROUND_HALF_UP),
            D(repr((1 + m) ** 12 - 1)).quantize(six, ROUND_HALF_UP))


def loan_annual_rates(amount: Decimal, installments: list[Installment],
                      terms: Terms) -> tuple[Decimal, Decimal]:
    """(simple, compound) annual rate of a schedule, each payment at its real time."""
    return annual_rates(amount, [i.payment for i in installments],
                        payment_times(installments, terms))


# --- loans ------------------------------------------------------------------------------------

@dataclass
class Loan:
    """A due bill (借据) with its schedule and pricing terms."""

    loan_id: str
    contract_no: str
    customer_id: str
    product_code: str
    amount: Decimal
    months: int
    method: str
    start_date: dt.date
    due_day: int | None
    terms: Terms
    account_pan: str
    installments: list[Installment] = field(default_factory=list)
    closed_on: dt.date | None = None

    @classmethod
    def open(cls, loan_id: str, contract_no: str, customer_id: str, product_code: str,
             amount: Decimal, months: int, method: str, start: dt.date, due_day: int | None,
             terms: Terms, account_pan: str) -> Loan:
        sched = build_schedule(amount, months, method, terms, start, due_day)
        return cls(loan_id, contract_no, customer_id, product_code, amount, months, method,
                   start, due_day, terms, account_pan, sched)

    # -- views as of a date --------------------------------------------------------------------

    @property
    def outstanding_principal(self) -> Decimal:
        return sum((i.principal_left for i in self.installments), ZERO)

    def open_items(self) -> Iterator[Installment]:
        return (i for i in self.installments if not i.settled)

    def due_items(self, t: dt.date, strict: bool = False) -> list[Installment]:
        """Unsettled installments due on or before ``t`` (strictly before if ``strict``)."""
        return [i for i in self.open_items()
                if (i.due_date < t if strict else i.due_date <= t)]

    def current(self, t: dt.date) -> Installment | None:
        """The first installment falling due after ``t`` (the running period)."""
        for i in self.installments:
            if i.due_date > t and not i.settled:
                return i
        return None

    def days_overdue(self, t: dt.date) -> int:
        items = self.due_items(t, strict=True)
        return max(((t - i.due_date).days for i in items), default=0)

    def status(self, t: dt.date) -> str:
        if self.closed_on is not None or not any(True for _ in self.open_items()):
            return "CLOSED"
        return "OVERDUE" if self.days_overdue(t) > 0 else "ACTIVE"

    def penalties(self, inst: Installment, t: dt.date) -> tuple[Decimal, Decimal]:
        """(罚息, 复利) owed on ``inst`` as of ``t``, crystallised part included."""
        pen, comp = inst.penalty_accrued, inst.compound_accrued
        if inst.due_date >= t or (t - inst.due_date).days <= self.terms.grace_days:
            return pen, comp
        since = inst.accrual_from or inst.due_date
        days = (t - since).days
        if days > 0:
            with localcontext() as ctx:
                ctx.prec = 40
                pen += fen(inst.principal_left * self.terms.penalty_daily * days)
                comp += fen(inst.interest_left * self.terms.penalty_daily * days)
        return pen, comp

    def crystallise(self, t: dt.date) -> None:
        """Book penalties accrued up to ``t`` (before a payment changes their base)."""
        for inst in self.due_items(t, strict=True):
            if (t - inst.due_date).days <= self.terms.grace_days:
                continue
            inst.penalty_accrued, inst.compound_accrued = self.penalties(inst, t)
            inst.accrual_from = t

    def item_owed(self, inst: Installment, t: dt.date) -> dict[str, Decimal]:
        pen, comp = self.penalties(inst, t)
        return {"fees": inst.fees_left, "compound": comp - inst.compound_paid,
                "penalty": pen - inst.penalty_paid, "interest": inst.interest_left,
                "principal": inst.principal_left}

    def accrued_interest(self, t: dt.date) -> Decimal:
        """Unpaid interest of the running period accrued to ``t`` (prepayment, payoff)."""
        cur = self.current(t)
        if cur is None or t <= cur.start:
            return ZERO
        base = sum((i.principal_left for i in self.installments
                    if i.due_date > t and not i.settled), ZERO)
        with localcontext() as ctx:
            ctx.prec = 40
            accrued = fen(base * self.terms.daily * (t - cur.start).days)
        return max(accrued - cur.interest_paid, ZERO)

    def next_due(self, t: dt.date) -> tuple[dt.date | None, Decimal]:
        """Due date and amount left of the first unsettled installment due on/after ``t``."""
        for i in self.installments:
            if not i.settled and i.due_date >= t:
                return i.due_date, i.principal_left + i.interest_left + i.fees_left
        return None, ZERO

    def overdue_total(self, t: dt.date) -> Decimal:
        return sum((sum(self.item_owed(i, t).values(), ZERO)
                    for i in self.due_items(t, strict=True)), ZERO)


# --- quotes and repayment ---------------------------------------------------------------------

@dataclass(frozen=True)
class Quote:
    """What a repayment of ``kind`` costs on ``as_of``, by bucket."""

    kind: str
    as_of: dt.date
    breakdown: dict[str, Decimal]
    overdue_days: int
    principal_after: Decimal
    new_installment: Decimal | None = None
    new_term: int | None = None

    @property
    def amount(self) -> Decimal:
        return sum(self.breakdown.values(), ZERO)


class LedgerError(Exception):
    """A business rule refused the operation; ``code`` is a host error code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def _empty() -> dict[str, Decimal]:
    return {b: ZERO for b in BUCKETS}


def _sum_into(acc: dict[str, Decimal], part: dict[str, Decimal]) -> None:
    for k, v in part.items():
        acc[k] += v


def quote(loan: Loan, kind: str, t: dt.date, amount: Decimal | None = None,
          option: str | None = None) -> Quote:
    """Price a repayment without changing the loan (a copy is repaid and thrown away)."""
    if loan.status(t) == "CLOSED":
        raise LedgerError("HOST-LOAN-CLOSED")
    if kind == "partial":
        if amount is None or amount <= 0:
            raise LedgerError("HOST-AMOUNT-INVALID", "partial repayment needs an amount")
        trial = loan_from_dict(loan_to_dict(loan))
        result = repay(trial, kind, t, amount, option)
        rest = [i for i in trial.installments if not i.settled]
        new_inst = rest[0].payment if rest else None
        return Quote(kind, t, result, loan.days_overdue(t), trial.outstanding_principal,
                     new_inst, len(rest))
    bd = _empty()
    for inst in loan.due_items(t, strict=(kind == "overdue")):
        _sum_into(bd, loan.item_owed(inst, t))
    if kind == "due":
        if not loan.due_items(t):
            cur = loan.current(t)
            if cur is not None:
                _sum_into(bd, loan.item_owed(cur, t))
    elif kind == "payoff":
        bd["interest"] += loan.accrued_interest(t)
        future = [i for i in loan.installments if i.due_date > t]
        principal = sum((i.principal_left for i in future), ZERO)
        bd["principal"] += principal
        bd["fees"] += fen(principal * loan.terms.prepay_fee_rate)
    elif kind != "overdue":
        raise LedgerError("HOST-FORMAT", f"unknown repayment kind {kind}")
    total = sum(bd.values(), ZERO)
    if total == 0:
        raise LedgerError("HOST-NOTHING-DUE")
    after = loan.outstanding_principal - bd["principal"]
    return Quote(kind, t, bd, loan.days_overdue(t), after)


def _pay_item(loan: Loan, inst: Installment, t: dt.date, budget: Decimal,
              buckets: tuple[str, ...], paid: dict[str, Decimal]) -> Decimal:
    """Pay ``inst`` bucket by bucket from ``budget``; returns the budget left."""
    owed = loan.item_owed(inst, t)
    for b in buckets:
        take = min(owed[b], budget)
        if take <= 0:
            continue
        budget -= take
        paid[b] += take
        if b == "fees":
            inst.fees_paid += take
        elif b == "compound":
            inst.compound_paid += take
        elif b == "penalty":
            inst.penalty_paid += take
        elif b == "interest":
            inst.interest_paid += take
        else:
            inst.principal_paid += take
    return budget


def repay(loan: Loan, kind: str, t: dt.date, amount: Decimal,
          option: str | None = None) -> dict[str, Decimal]:
    """Apply a repayment of ``amount`` on ``t``; returns the allocation by bucket.

    ``due``, ``overdue`` and ``payoff`` must be paid with exactly their quoted amount;
    ``partial`` pays arrears, then the running period's interest to the day, then principal,
    and re-amortises the rest (``lower_installment``, the default, or ``shorter_term``).
    The allocation always sums to ``amount``: no fen is created or lost.
    """
    amount = fen(amount)
    if amount <= 0:
        raise LedgerError("HOST-AMOUNT-INVALID", "amount must be positive")
    if loan.status(t) == "CLOSED":
        raise LedgerError("HOST-LOAN-CLOSED")
    if kind in ("due", "overdue", "payoff"):
        q = quote(loan, kind, t)
        if q.amount != amount:
            raise LedgerError("HOST-AMOUNT-INVALID", f"{kind} amount is {q.amount}")
    elif kind == "partial":
        payoff = quote(loan, "payoff", t).amount
        if amount > payoff:
            raise LedgerError("HOST-AMOUNT-INVALID", f"more than the payoff {payoff}")
        if amount == payoff:
            kind = "payoff"
    else:
        raise LedgerError("HOST-FORMAT", f"unknown repayment kind {kind}")
    loan.crystallise(t)
    paid = _empty()
    budget = amount
    arrears = loan.due_items(t, strict=(kind == "overdue"))
    if loan.terms.mode == "type_first":
        for b in loan.terms.order:
            for inst in arrears:
                budget = _pay_item(loan, inst, t, budget, (b,), paid)
    else:
        for inst in arrears:
            budget = _pay_item(loan, inst, t, budget, loan.terms.order, paid)
    if kind == "due" and not arrears:
        cur = loan.current(t)
        if cur is not None:
            budget = _pay_item(loan, cur, t, budget, loan.terms.order, paid)
    elif kind in ("partial", "payoff") and budget > 0:
        budget = _prepay(loan, t, budget, paid, kind, option)
    if budget != 0:  # exact kinds were priced above; partial is capped by the payoff
        raise AssertionError(f"allocation left {budget}")
    if not any(True for _ in loan.open_items()):
        loan.closed_on = t
    return paid


def _prepay(loan: Loan, t: dt.date, budget: Decimal, paid: dict[str, Decimal], kind: str,
            option: str | None) -> Decimal:
    """Running-period interest to the day, then principal (and fee); re-amortise the rest.

    The prepayment becomes its own settled row (due on ``t``), so the schedule's principal
    still sums to the loan amount; the remaining balance is scheduled again from ``t`` (or
    from the running period's start if that is later), the first period by actual days.
    """
    cur = loan.current(t)
    if cur is None:
        return budget
    take = min(loan.accrued_interest(t), budget)
    budget -= take
    paid["interest"] += take
    future = [i for i in loan.installments if i.due_date > t and not i.settled]
    balance = sum((i.principal_left for i in future), ZERO)
    if budget <= 0:
        cur.interest_paid += min(take, cur.interest_left)
        return budget
    rate = loan.terms.prepay_fee_rate
    if kind == "payoff":
        principal, fee = balance, fen(balance * rate)
    else:
        principal = min(fen(budget / (1 + rate)) if rate else budget, balance)
        fee = budget - principal
    budget -= principal + fee
    paid["principal"] += principal
    paid["fees"] += fee
    interest_now = cur.interest_paid + take
    row = Installment(cur.n, cur.start, t, principal, interest_now, fee,
                      principal, interest_now, fee)
    gone = {id(i) for i in future}
    keep = [i for i in loan.installments if id(i) not in gone]
    new_balance = balance - principal
    if new_balance == 0:
        loan.installments = [*keep, row]
        return budget
    day = loan.due_day or loan.start_date.day
    begin = max(t, cur.start)
    if loan.method == "bullet":
        last = future[-1]
        interest = fen(new_balance * loan.terms.daily * (last.due_date - begin).days)
        rebuilt = [Installment(cur.n + 1, begin, last.due_date, new_balance, interest)]
    else:
        months, level = len(future), None
        if option == "shorter_term" and len(future) > 1:
            if loan.method == "equal-installment":
                level = future[0].payment
            elif loan.method == "equal-principal":
                per = future[0].principal
                months = int((new_balance / per).to_integral_value(ROUND_CEILING))
        rebuilt = _rows(loan.method, loan.terms, new_balance, months, begin, cur.due_date, day,
                        cur.n + 1, level)
    loan.installments = [*keep, row, *rebuilt]
    return budget


# --- persistence ------------------------------------------------------------------------------

def _enc(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    return v


def loan_to_dict(loan: Loan) -> dict[str, Any]:
    """JSON-ready state of a loan."""
    terms = loan.terms
    return {
        "loan_id": loan.loan_id, "contract_no": loan.contract_no,
        "customer_id": loan.customer_id, "product_code": loan.product_code,
        "amount": _enc(loan.amount), "months": loan.months, "method": loan.method,
        "start_date": _enc(loan.start_date), "due_day": loan.due_day,
        "account_pan": loan.account_pan, "closed_on": _enc(loan.closed_on),
        "terms": {k: _enc(getattr(terms, k)) for k in terms.__dataclass_fields__},
        "installments": [{k: _enc(getattr(i, k)) for k in i.__dataclass_fields__}
                         for i in loan.installments],
    }


def _date(v: str | None) -> dt.date | None:
    return dt.date.fromisoformat(v) if v else None


def loan_from_dict(d: dict[str, Any]) -> Loan:
    tm = d["terms"]
    terms = Terms(D(tm["annual_rate"]), int(tm["day_basis"]), tm["convention"],
                  int(tm["grace_days"]), D(tm["penalty_multiplier"]), D(tm["prepay_fee_rate"]),
                  tuple(tm["order"]), tm["mode"])
    insts = []
    for i in d["installments"]:
        insts.append(Installment(
            n=int(i["n"]), start=dt.date.fromisoformat(i["start"]),
            due_date=dt.date.fromisoformat(i["due_date"]),
            **{k: D(i[k]) for k in ("principal", "interest", "fees", "principal_paid",
                                    "interest_paid", "fees_paid", "penalty_accrued",
                                    "penalty_paid", "compound_accrued", "compound_paid")},
            accrual_from=_date(i.get("accrual_from"))))
    return Loan(d["loan_id"], d["contract_no"], d["customer_id"], d["product_code"],
                D(d["amount"]), int(d["months"]), d["method"],
                dt.date.fromisoformat(d["start_date"]), d["due_day"], terms, d["account_pan"],
                insts, _date(d.get("closed_on")))
