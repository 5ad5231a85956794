"""Apply for a loan (贷款申请, journey 10 first half): after identification, purpose, amount
within the online product's limits, term, a mobile number and the consent to the credit check;
the host's scorecard decides at once: approved (a line to sign), referred (a loan officer
visits; an intention is registered) or declined (the reasons, and 申请人工复核)."""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="apply",
    title="home.service.apply",
    hint="home.service.apply.hint",
    group="borrow",
    order=30,
    identify=True,
    needs=frozenset({Need.HOST}),
    presenter="screens.journeys.apply.presenter:ApplyPresenter",
    views="screens.journeys.apply.screens:ApplyViews",
    samples="screens.journeys.apply.screens:sample_screens",
))
