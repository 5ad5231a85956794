"""``kiosk diag host ping|sign-in`` as the technician runs it, against the simulator."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.diag import main as diag_main

KIOSK = Path(sys.executable).with_name("kiosk")


def diag_args(host, action: str, *extra: str, cert: str | None = None) -> list[str]:
    t = host.ready["terminals"]["ZN610425001"]
    return ["host", action, "--url", host.url, "--json", "--ca", host.ready["ca_file"],
            "--cert", cert or t["cert_file"], "--key", t["key_file"], *extra]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture()
def diag(capsys):
    """``kiosk diag ...`` in this process (the console script is run once, below)."""

    def run(host, action: str, *extra: str, cert: str | None = None) -> Run:
        capsys.readouterr()
        try:
            code = diag_main(diag_args(host, action, *extra, cert=cert))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


def test_the_console_script_pings_over_mutual_tls(host):
    proc = subprocess.run([str(KIOSK), "diag", *diag_args(host, "ping")], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["reachable"] is True


def test_ping_reports_reachable_and_the_host_dates(host, diag):
    proc = diag(host, "ping")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["reachable"] is True and out["terminal_id"] == "ZN610425001"
    assert out["business_date"] == "2026-03-16" and out["signed_in"] in (True, False)


def test_sign_in_shows_check_values_never_keys(host, diag):
    proc = diag(host, "sign-in")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["signed_in"] is True and out["algorithm"] == "TDES"
    assert len(out["pik_kcv"]) == 8 and len(out["mak_kcv"]) == 8
    assert "under_tmk" not in proc.stdout
    ping = json.loads(diag(host, "ping").stdout)
    assert ping["signed_in"] is True


def test_sm4_sign_in(host, diag):
    out = json.loads(diag(host, "sign-in", "--algorithm", "SM4").stdout)
    assert out["algorithm"] == "SM4" and out["mac_method"] == "SM4"
    assert len(out["mak_kcv"]) == 16


def test_a_certificate_that_is_not_the_keys_is_a_configuration_error(host, diag):
    proc = diag(host, "ping", cert=host.ready["ca_file"])  # a certificate without its key
    assert proc.returncode == 64
    assert "host.key_file" in proc.stderr and "does not belong to the certificate" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_a_host_the_ca_does_not_vouch_for_exits_2_with_the_failed_command_json(host, diag):
    t = host.ready["terminals"]["ZN610425001"]
    proc = diag(host, "ping", "--ca", t["cert_file"])  # a valid PEM, but not the host's CA
    assert proc.returncode == 2
    out = json.loads(proc.stdout)
    assert out["completion"] == "deviceNotReady" and out["error"] == "tls"
    assert out["code"] == "HOST-TLS" and out["detail"]


def test_unknown_option_is_bad_usage(host, diag):
    proc = diag(host, "ping", "--colour")
    assert proc.returncode == 64
    assert "unrecognized arguments" in proc.stderr
