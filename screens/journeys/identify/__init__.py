"""Identify (journey 1): the ID card, then the bank card, the PIN on the PIN pad and the host.

On its own it is the home screen's 核对身份 path (it ends with the reminders); as a step
(``step=True``) the runner runs it before any journey that declares ``identify=True``, once per
farmer session.
"""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="identify",
    title="home.service.identify",
    hint="home.service.identify.hint",
    group="repay",
    order=90,
    needs=frozenset({Need.ID_CARD}),
    presenter="screens.journeys.identify.presenter:IdentifyPresenter",
    views="screens.journeys.identify.screens:IdentifyViews",
    samples="screens.journeys.identify.screens:sample_screens",
))
