"""Loan calculator (journey 11): amount, term and rate on a big keypad with the limits shown,
the repayment method in plain words, then the schedule, the total interest, the annual rate
(simple and compound) and a chart of principal and interest per installment; a printed slip
on request. No card, no identification."""

from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="calculator",
    title="home.service.calculator",
    group="calculate",
    order=10,
    presenter="screens.journeys.calculator.presenter:CalculatorPresenter",
    views="screens.journeys.calculator.screens:CalculatorViews",
    samples="screens.journeys.calculator.screens:sample_screens",
))
