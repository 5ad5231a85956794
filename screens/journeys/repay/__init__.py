"""Repayment (贷款还款, journey 6): after identification, the farmer's loans one per screen;
pay what is due now (the installment, or every overdue amount with 罚息 and 复利 shown
separately), pay back part early (then a shorter term or a lower installment, each with its
new schedule and the interest saved) or pay everything back today (the payoff to the day from
the host). The host's quote is cross-checked by the kiosk's loan engine; the confirmation is
shown and spoken; the PIN on the pad; the money through the transactions service; the result
spoken and a receipt with the next due date and amount. A reminder's 现在还款 opens it on the
reminded loan (``loan_id=``)."""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="repay",
    title="home.service.repay",
    hint="home.service.repay.hint",
    group="repay",
    order=10,
    identify=True,
    needs=frozenset({Need.HOST, Need.MONEY}),
    presenter="screens.journeys.repay.presenter:RepayPresenter",
    views="screens.journeys.repay.screens:RepayViews",
    samples="screens.journeys.repay.screens:sample_screens",
))
