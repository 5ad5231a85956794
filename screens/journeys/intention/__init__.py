"""Loan intention registration (贷款意向登记, journey 10 second half): purpose, amount, a
mobile number read back in groups, consent; kept in the outbox and sent when the host is
reachable (works with the host offline); a slip with the registration number or 待发送.
The screens and presenter are the apply journey's (screens/journeys/apply/), without the
identification, the product and the term. Off the home screen (the borrow group is full):
started by the staff or by another journey (``runner.call("intention", ...)``)."""

from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="intention",
    title="home.service.intention",
    hint="home.service.intention.hint",
    group="borrow",
    order=40,
    home=False,
    presenter="screens.journeys.apply.presenter:IntentionPresenter",
    views="screens.journeys.apply.screens:ApplyViews",
    samples="screens.journeys.apply.screens:sample_intention_screens",
))
