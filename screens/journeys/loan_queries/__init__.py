"""Loan queries (还款计划 / 还款明细, journey 7): after identification, the farmer's loans one per
screen (product, masked contract number, next due date and amount); for the chosen loan the
repayment schedule as a paged table with every period's state in words and a chart of paid /
due / overdue / future per installment, and the repayment history. Nothing here moves money."""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="loan_queries",
    title="home.service.loan_queries",
    hint="home.service.loan_queries.hint",
    group="repay",
    order=30,
    identify=True,
    needs=frozenset({Need.HOST}),
    presenter="screens.journeys.loan_queries.presenter:LoanQueriesPresenter",
    views="screens.journeys.loan_queries.screens:LoanQueriesViews",
    samples="screens.journeys.loan_queries.screens:sample_screens",
))
