"""What the telemetry reads from the terminal, and what remote commands may ask of it.

Every field is an optional callable: the telemetry works with whatever the terminal has
today and gets more as services land (a missing provider reports ``null``). Providers are
called from the telemetry's threads, never the GUI thread: they must be cheap and
thread-safe (read a value, do not wait for the GUI). Actions may wait (the adapter posts to
the GUI thread and waits with a timeout), since they run on the command thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Providers:
    """Read-only views of the terminal for the heartbeat."""

    # kind -> {"state": "online", ...details (paper, tamper, fault)}
    devices: Callable[[], Mapping[str, Mapping[str, Any]]] | None = None
    # {"online": bool|None, "latency_ms": float|None, "signed_in": bool|None}
    host: Callable[[], Mapping[str, Any]] | None = None
    clock_skew: Callable[[], float | None] | None = None  # host minus terminal, seconds
    # {"unresolved": int, "oldest_unresolved_age_s": float|None}
    journal: Callable[[], Mapping[str, Any] | None] | None = None
    outbox: Callable[[], Mapping[str, Any] | None] | None = None  # {"depth", "oldest_age_s"}
    last_transaction: Callable[[], float | None] | None = None  # unix time
    mode: Callable[[], str] | None = None  # inService, degraded, outOfService, …
    journey: Callable[[], str | None] | None = None  # the running journey's NAME, or None
    # {"starts", "restarts_this_boot", "crash_restarts", "memory_restarts", "last_exit"}
    restarts: Callable[[], Mapping[str, Any]] | None = None
    audit_head: Callable[[], tuple[int, str] | None] | None = None  # (seq, hash)
    versions: Callable[[], Mapping[str, str]] | None = None  # extra versions (firmware …)
    # called on the beat thread before each heartbeat: look for news to raise as events
    tick: Callable[[], None] | None = None


@dataclass
class Actions:
    """What signed remote commands may do. None: the command answers ``unsupported``."""

    screen: Callable[[], str] | None = None  # "attract", "out_of_service", "journey", "staff"
    screenshot: Callable[[], bytes] | None = None  # PNG of the screen
    request_restart: Callable[[str], str] | None = None  # -> "scheduled" | "now"
    out_of_service: Callable[[str], None] | None = None  # with the operator's reason
    in_service: Callable[[], None] | None = None
    self_test: Callable[[], Mapping[str, Any]] | None = None
    logs: Callable[[int], list[str]] | None = None  # the last N lines, masked


SAFE_SCREENS = frozenset({"attract", "out_of_service"})
