"""A money or contract receipt printed at the end of a journey and kept for a reprint: the
print command on the printer worker, then the masked receipt recorded in the receipt store
with how the print went (kiosk/receipts/printing.py), a failed print shown to the staff (the
error code) and logged. The signing and the account change use it. :func:`check_again` is
处理中's 再查一次 of the drawdown and the repayment."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.base import Completion

if TYPE_CHECKING:
    from kiosk.requests import Request
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)


def print_and_keep(runner: JourneyRunner, receipt: Any, doc: Any,
                   on_done: Callable[[Completion[Any]], None], *, what: str) -> Request[Any]:
    """Print ``doc``; when the printer answers, keep ``receipt`` (masked) for a reprint, then
    ``on_done(completion)``. ``what`` names the receipt in the log."""

    def printed(completion: Completion[Any]) -> None:
        keep(runner, receipt, completion, what=what)
        on_done(completion)

    return runner.request("printer", "print_receipt", doc, on_done=printed)


def keep(runner: JourneyRunner, receipt: Any, completion: Completion[Any], *,
         what: str) -> None:
    config = runner.config
    if receipt is not None and config is not None:
        from kiosk.receipts.printing import record_print
        from kiosk.receipts.store import ReceiptStore

        try:
            record_print(ReceiptStore(Path(config.state_dir).expanduser()), receipt, runner.tr,
                         completion)
        except OSError as exc:  # the reprint copy only; the farmer has the paper
            log.warning("%s receipt not stored for reprint: %s", what, exc)
    if not completion.ok:
        from kiosk.errors import error_for_completion

        runner.show_error(error_for_completion(completion, runner.tr))
        log.warning("%s receipt not printed: %s", what, completion.code.value)


def show_pending(presenter: Any, prefix: str) -> None:
    """处理中 of a journaled, non-money-amount request (signing, account change): the pending
    screen with the money service's explanation, the slip printed once, ``voice.<prefix>.pending``
    spoken. ``presenter`` has ``_tr``, ``v.pending_view``, ``runner``, ``printed``, ``receipt``
    and ``_print()``."""
    tr = presenter._tr
    presenter.v.pending_view.show_result(tr, tr(f"{prefix}.pending.title"),
                                         tr(f"{prefix}.pending.body"),
                                         [tr("money.pending.explain")])
    presenter.runner.show(presenter.v.pending_view)
    if presenter.printed is None and presenter.receipt is None:
        presenter._print()
    presenter.runner.speak(f"voice.{prefix}.pending")


def check_again(runner: JourneyRunner, flow: Any, what: str) -> None:
    """再查一次 on 处理中: the journal row of ``flow.result`` settled the way start-up settles
    it (the host's status query by its key), never sent again; then
    ``flow.checked_again(result)`` (``None``: the check could not run) if the flow still waits
    in the state it was in. The caller has shown its waiting screen."""
    runner.speak("voice.money.checking")
    service, serial, waiting = runner.transactions(), flow.result.serial, flow.state
    if service is None:
        flow.checked_again(None)
        return

    def settled(completion: Completion[Any]) -> None:
        if flow.state is not waiting:
            return  # cancelled meanwhile
        if not completion.ok:
            log.warning("%s check: %s", what, completion.detail)
        flow.checked_again(completion.data if completion.ok else None)

    runner.run(f"{what}-check", lambda: service.check(serial), on_done=settled)
