"""``kiosk run`` whose GUI thread hangs on purpose HANG_AFTER_READY_MS after READY (the
watchdog test): everything else is the real app."""

from __future__ import annotations

import os
import sys
import time

from kiosk import watchdog

_send_ready = watchdog.ServiceNotifier.send_ready


def _hang() -> None:
    time.sleep(3600)  # the GUI thread stops here: no more events, no more WATCHDOG=1


def send_ready(self: watchdog.ServiceNotifier, status: str) -> None:
    _send_ready(self, status)
    from PySide6.QtCore import QTimer

    QTimer.singleShot(int(os.environ["HANG_AFTER_READY_MS"]), _hang)


watchdog.ServiceNotifier.send_ready = send_ready  # type: ignore[method-assign]

if __name__ == "__main__":
    from kiosk.cli import main

    sys.exit(main(["run", *sys.argv[1:]]))
