"""Application progress (申请进度, journey 7): after identification, the farmer's applications
and intentions from every channel (this terminal, mobile banking, the branch counter, a loan
officer in the field; ``GET /v1/customers/{id}/applications``), one per screen, newest first:
where it stands in plain words as large as a heading, the steps passed with their dates, what
was asked for, who follows it up; spoken and printable. Off the home screen (the groups are
full): the credit line's no-line screen and the loan queries' no-loan screen lead here."""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="progress",
    title="home.service.progress",
    hint="home.service.progress.hint",
    group="borrow",
    order=50,
    identify=True,
    home=False,
    needs=frozenset({Need.HOST}),
    presenter="screens.journeys.progress.presenter:ProgressPresenter",
    views="screens.journeys.progress.screens:ProgressViews",
    samples="screens.journeys.progress.screens:sample_screens",
))
