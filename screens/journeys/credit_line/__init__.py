"""Credit line (额度查询, journey 3): after identification, the farmer's pre-approved line from
the host (``GET /v1/customers/{id}/credit-line``): the line, what is used and what is left, in
figures and in capitals, its expiry, and whether it is signed; spoken. A farmer with no line
hears so in plain words (the application journey offers him one)."""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="credit_line",
    title="home.service.credit_line",
    hint="home.service.credit_line.hint",
    group="borrow",
    order=20,
    identify=True,
    needs=frozenset({Need.HOST}),
    presenter="screens.journeys.credit_line.presenter:CreditLinePresenter",
    views="screens.journeys.credit_line.screens:CreditLineViews",
    samples="screens.journeys.credit_line.screens:sample_screens",
))
