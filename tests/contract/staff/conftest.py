"""Staff sign-in and authorisation against the real bank host simulator over mutual TLS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.audit import AuditLog
from kiosk.host import HostClient
from kiosk.staff import StaffService, StaffSettings
from tests.contract.host_client.conftest import SimHost


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHost]:
    with SimHost(tmp_path_factory.mktemp("staff-host")) as sim:
        yield sim


@pytest.fixture()
def client(host: SimHost) -> Iterator[HostClient]:
    c = HostClient(host.settings())
    c.open()
    try:
        yield c
    finally:
        c.close()


class Clocks:
    """Hand-moved clocks for the lockout (wall), idle (monotonic) and day end (local)."""

    def __init__(self) -> None:
        self.wall = 1_800_000_000.0
        self.mono = 1000.0
        self.local = dt.datetime(2026, 3, 16, 9, 0)

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds
        self.local += dt.timedelta(seconds=seconds)


@pytest.fixture()
def clocks() -> Clocks:
    return Clocks()


def make_service(state_dir: Path, clocks: Clocks, **settings: object) -> StaffService:
    values = {"max_failures": 3, "lockout_seconds": 120.0, "idle_sign_out_seconds": 300.0,
              "day_end": dt.time(18, 0), **settings}
    return StaffService(AuditLog(state_dir / "audit" / "audit.jsonl"),
                        StaffSettings(**values), state_dir,  # type: ignore[arg-type]
                        wall=lambda: clocks.wall, monotonic=lambda: clocks.mono,
                        now=lambda: clocks.local)


@pytest.fixture()
def staff(state_dir: Path, clocks: Clocks) -> StaffService:
    return make_service(state_dir, clocks)


def audit_actions(service: StaffService) -> list[str]:
    import json

    path = service.audit.path
    if not path.exists():
        return []
    return [json.loads(line)["action"] for line in path.read_text(encoding="utf-8").splitlines()]
