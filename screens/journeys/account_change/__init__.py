"""Change of repayment account (还款账号变更, journey 8): after identification, the farmer picks
the loan (one per screen, its repayment account masked), takes the old card out and inserts
the new one (read by the identify journey's bank card step, checked: not expired, not the
account already used), sees the old and the new account side by side, a signed-in staff
member authorises with their own password, the farmer confirms with the new card's PIN on the
pad, and the transactions service records it (journal, host; an uncertain answer settled by
reading the loan). 成功 / 处理中 / 未成功 shown and spoken; a receipt with both accounts
masked. In the 还钱 group (the loan queries' loans are read-only; this one changes them)."""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="account_change",
    title="home.service.account_change",
    hint="home.service.account_change.hint",
    group="repay",
    order=60,
    identify=True,
    home=False,
    needs=frozenset({Need.HOST}),
    presenter="screens.journeys.account_change.presenter:AccountChangePresenter",
    views="screens.journeys.account_change.screens:AccountChangeViews",
    samples="screens.journeys.account_change.screens:sample_screens",
))
