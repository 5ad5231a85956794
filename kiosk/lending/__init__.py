"""The kiosk's loan engine: schedules, annual rates, early-repayment estimates, ``kiosk calc``.

Independent of the bank host simulator's ledger on purpose (two implementations checked
against the same reference numbers catch each other's mistakes): never import
``peripherals_sim`` here.
"""

from kiosk.lending.apr import AnnualRate, IrrError, annual_rate, annual_rate_of_flows
from kiosk.lending.money import fen, money_str, parse_money, parse_rate
from kiosk.lending.payoff import (
    Payoff,
    Prepayment,
    PrepaymentMode,
    partial_prepayment,
    payoff_estimate,
)
from kiosk.lending.schedule import (
    FirstPeriod,
    Installment,
    InterestConvention,
    LoanTerms,
    LoanTermsError,
    Method,
    Schedule,
    annuity_payment,
    build_schedule,
)

__all__ = [
    "AnnualRate",
    "FirstPeriod",
    "Installment",
    "InterestConvention",
    "IrrError",
    "LoanTerms",
    "LoanTermsError",
    "Method",
    "Payoff",
    "Prepayment",
    "PrepaymentMode",
    "Schedule",
    "annual_rate",
    "annual_rate_of_flows",
    "annuity_payment",
    "build_schedule",
    "fen",
    "money_str",
    "parse_money",
    "parse_rate",
    "partial_prepayment",
    "payoff_estimate",
]
