"""Sign the credit line (额度签约, journey 4): the key terms of the pre-approved line in plain
words on two screens (amount, how long, the annual rate with what 10,000 yuan cost for a year;
how repayment works, what happens when late), spoken and repeatable; the farmer writes his name
on the signature pad; the PIN on the PIN pad confirms; the signing goes through the
transactions service (journal, MAC, host) and ends 成功 / 处理中 / 未成功, spoken, with a receipt.

Off the home screen: the credit line's 去签约 (an unsigned line) and the application's 现在签约
(a line just approved) call it; ``runner.call("sign_line", on_return, line=...)``."""

from kiosk.terminal import Need
from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="sign_line",
    title="home.service.sign_line",
    hint="home.service.sign_line.hint",
    group="borrow",
    order=25,
    identify=True,
    home=False,
    needs=frozenset({Need.HOST, Need.MONEY}),
    presenter="screens.journeys.sign_line.presenter:SignLinePresenter",
    views="screens.journeys.sign_line.screens:SignLineViews",
    samples="screens.journeys.sign_line.screens:sample_screens",
))
