"""Drawdown (额度支用, journey 5): after identification, a farmer with a signed credit line
draws a loan to his own account: the amount on the large keypad with what is left on the line
and the product's limits, the term and the way to repay in plain words, the host's quote shown
and spoken (each installment, the first due date, total interest, total to repay, the annual
rate simple and compound, the receiving account masked) and cross-checked by the kiosk's own
loan engine, a staff authorisation above the configured amount, the PIN on the PIN pad, the
transactions service, the result (成功 / 处理中 / 未成功) and the receipt."""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="drawdown",
    title="home.service.drawdown",
    hint="home.service.drawdown.hint",
    group="borrow",
    order=5,
    identify=True,
    needs=frozenset({Need.HOST, Need.MONEY}),
    presenter="screens.journeys.drawdown.presenter:DrawdownPresenter",
    views="screens.journeys.drawdown.screens:DrawdownViews",
    samples="screens.journeys.drawdown.screens:sample_screens",
))
