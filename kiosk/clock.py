"""The terminal's clock against the bank host's (Qt-free): no money while they disagree.

The journal's timestamps and TLS certificate checks need a right clock; systemd-timesyncd
keeps it (packaging: /etc/systemd/timesyncd.conf.d/zhunong-kiosk.conf). As a second line, the
terminal service records the skew at each sign-in (the answer's ``host_datetime`` against the
midpoint of the request on this clock) and asks :meth:`ClockGuard.money_refusal` before every
money transaction: ``CLK-SKEW`` when the skew exceeds ``[clock] max_skew_seconds``,
``CLK-UNKNOWN`` before any sign-in measured it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why money is refused: the error code (kiosk/error_codes/appliance.yaml) and the fields
    of its staff text."""

    code: str
    seconds: float | None = None
    limit: float | None = None

    def detail(self) -> str:
        if self.code == "CLK-SKEW":
            return f"clock {self.seconds:+.1f} s off the host (limit {self.limit:.0f} s)"
        return "no sign-in has measured the clock against the host yet"


def parse_host_datetime(value: str | dt.datetime) -> dt.datetime:
    """The host's ``host_datetime`` (ISO 8601; naive means China Standard Time, UTC+8)."""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return when


class ClockGuard:
    """Skew = host clock - terminal clock, in seconds (positive: the terminal is behind)."""

    def __init__(self, max_skew_seconds: float) -> None:
        self.max_skew = float(max_skew_seconds)
        self.skew: float | None = None
        self.measured_at: float | None = None

    def record(self, host_datetime: str | dt.datetime, sent_at: float,
               received_at: float) -> float:
        """Record the skew from an answer: ``sent_at``/``received_at`` are ``time.time()``
        around the request; the host's time is compared with their midpoint."""
        host = parse_host_datetime(host_datetime).timestamp()
        self.skew = host - (sent_at + received_at) / 2
        self.measured_at = received_at
        level = logging.WARNING if abs(self.skew) > self.max_skew else logging.INFO
        log.log(level, "clock skew with the host: %+.1f s (limit %.0f s, round trip %.2f s)",
                self.skew, self.max_skew, received_at - sent_at)
        return self.skew

    def money_refusal(self) -> Refusal | None:
        """None when money may move; else why not."""
        if self.skew is None:
            return Refusal("CLK-UNKNOWN")
        if abs(self.skew) > self.max_skew:
            return Refusal("CLK-SKEW", round(self.skew, 1), self.max_skew)
        return None

    def host_now(self) -> float:
        """This terminal's clock corrected by the last measured skew (for display/logs)."""
        return time.time() + (self.skew or 0.0)
