"""``kiosk diag host ping|sign-in`` as the technician runs it, against the simulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

KIOSK = Path(sys.executable).with_name("kiosk")


def diag(host, action: str, *extra: str, cert: str | None = None) -> subprocess.CompletedProcess:
    t = host.ready["terminals"]["ZN610425001"]
    args = [str(KIOSK), "diag", "host", action, "--url", host.url, "--json",
            "--ca", host.ready["ca_file"], "--cert", cert or t["cert_file"],
            "--key", t["key_file"], *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_ping_reports_reachable_and_the_host_dates(host):
    proc = diag(host, "ping")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["reachable"] is True and out["terminal_id"] == "ZN610425001"
    assert out["business_date"] == "2026-03-16" and out["signed_in"] in (True, False)


def test_sign_in_shows_check_values_never_keys(host):
    proc = diag(host, "sign-in")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["signed_in"] is True and out["algorithm"] == "TDES"
    assert len(out["pik_kcv"]) == 8 and len(out["mak_kcv"]) == 8
    assert "under_tmk" not in proc.stdout
    ping = json.loads(diag(host, "ping").stdout)
    assert ping["signed_in"] is True


def test_sm4_sign_in(host):
    out = json.loads(diag(host, "sign-in", "--algorithm", "SM4").stdout)
    assert out["algorithm"] == "SM4" and out["mac_method"] == "SM4"
    assert len(out["mak_kcv"]) == 16


def test_wrong_certificate_exits_2_with_the_failed_command_json(host):
    proc = diag(host, "ping", cert=host.ready["ca_file"])  # a certificate without its key
    assert proc.returncode == 2
    out = json.loads(proc.stdout)
    assert out["completion"] == "deviceNotReady" and out["error"] == "tls"
    assert out["code"] == "HOST-TLS" and out["detail"]


def test_unknown_option_is_bad_usage(host):
    proc = diag(host, "ping", "--colour")
    assert proc.returncode == 64
    assert "unrecognized arguments" in proc.stderr
