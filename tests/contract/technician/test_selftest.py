"""``kiosk diag all selftest`` against the simulators: opening the devices itself when no app
runs, asking the app over its control socket when one does (the app's workers own the
ports), a device faulted in its simulator named with its problem, every run audited."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from types import SimpleNamespace

import pytest

from devices.registry import create_device
from devices.worker import DeviceWorker
from kiosk.host import HostClient, HostSettings
from kiosk.sim_panel.children import DevicePlan
from kiosk.technician.appwire import AppTechnician
from kiosk.technician.control import AppNotRunning, ControlServer, ask_app, socket_path
from tests.contract.technician.conftest import REPO, json_out


def selftest_cli(sims) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return subprocess.run([sys.executable, "-m", "kiosk", "diag", "all", "selftest",
                           "--config", str(sims.config), "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def audit_records(sims) -> list[dict]:
    path = sims.state_dir / "audit" / "audit.jsonl"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_without_an_app_the_command_line_opens_each_device_itself(sims):
    proc = selftest_cli(sims)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json_out(proc.stdout)
    assert report["ok"] and report["source"] == "cli"
    by_kind = {d["device"]: d for d in report["devices"]}
    assert set(by_kind) == {"idcard", "iccard", "pinpad", "printer", "host"}
    assert by_kind["printer"]["port"] == sims.url("printer")
    assert by_kind["pinpad"]["version"] and by_kind["pinpad"]["status"]["master_key"] == "loaded"
    assert by_kind["host"]["state"] == "online"
    assert audit_records(sims)[-1]["action"] == "diag.selftest"


def test_a_printer_out_of_paper_fails_its_self_test_by_name(sims):
    sims.control("printer", "POST", "/fault", {"kind": "paper_out"})
    try:
        proc = selftest_cli(sims)
    finally:
        sims.control("printer", "DELETE", "/fault")
    assert proc.returncode == 2
    report = json_out(proc.stdout)
    assert report["failed"] == ["printer"]
    printer = next(d for d in report["devices"] if d["device"] == "printer")
    assert printer["problem"] == "paper_out" and not printer["ok"]
    assert audit_records(sims)[-1]["detail"] == {"device": "all", "source": "cli", "ok": False,
                                                 "failed": ["printer"]}


@pytest.fixture()
def app_side(sims):
    """The app's side in this process: a real worker per device, the control socket."""
    from kiosk.config import load_config

    config = load_config(sims.config)
    workers, plans = {}, {}
    for kind in ("idcard", "iccard", "pinpad", "printer"):
        dev = config.devices.for_kind(kind)
        workers[kind] = DeviceWorker(kind, create_device(kind, dev.backend, **dev.params),
                                     lambda item: None, probe_interval=60)
        plans[kind] = DevicePlan(kind, dev.backend, dict(dev.params))
    host = HostClient(HostSettings.from_config(config))
    workers["host"] = DeviceWorker("host", host, lambda item: None, probe_interval=60)
    for w in workers.values():
        w.start()
    kiosk = SimpleNamespace(workers=workers, plans=plans, devices={"host": host})
    server = ControlServer(socket_path(sims.state_dir),
                           {"selftest": AppTechnician(kiosk, sims.state_dir).selftest})
    server.start()
    try:
        yield server
    finally:
        server.stop()
        for w in workers.values():
            w.stop()


def test_with_the_app_running_the_command_line_asks_the_app(sims, app_side):
    mode = stat.S_IMODE(os.stat(app_side.path).st_mode)
    assert mode == 0o600 and stat.S_IMODE(os.stat(app_side.path.parent).st_mode) == 0o700
    sims.control("idcard", "POST", "/fault", {"kind": "sam_fail"})
    try:
        proc = selftest_cli(sims)
    finally:
        sims.control("idcard", "DELETE", "/fault")
    assert proc.returncode == 2, proc.stderr
    report = json_out(proc.stdout)
    assert report["source"] == "app" and report["failed"] == ["idcard"]
    idcard = next(d for d in report["devices"] if d["device"] == "idcard")
    assert idcard["port"] == sims.url("idcard") and idcard["problem"]
    last = audit_records(sims)[-1]
    assert last["action"] == "diag.selftest" and last["detail"]["source"] == "app"
    again = ask_app(sims.state_dir, "selftest")
    assert again["ok"] and again["source"] == "app"


def test_no_app_and_an_unknown_command_are_told_apart(sims, app_side, tmp_path):
    with pytest.raises(AppNotRunning):
        ask_app(tmp_path, "selftest")
    with pytest.raises(RuntimeError, match="unknown command"):
        ask_app(sims.state_dir, "format-disk")
    app_side.stop()
    with pytest.raises(AppNotRunning):
        ask_app(sims.state_dir, "selftest")


def test_a_host_that_does_not_answer_fails_its_self_test(sims):
    from kiosk.config import load_config
    from kiosk.technician.selftest import with_own_devices

    config = load_config(sims.config, overrides={"host.url": "https://127.0.0.1:9",
                                                 "host.connect_timeout": 1.0})
    report = with_own_devices(config, kinds=("host", "printer"))
    assert report.failed == ["host"]
    host = report.checks[-1]
    assert host.device == "host" and host.state == "offline" and host.port.endswith(":9")
