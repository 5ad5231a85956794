"""The host and network check, step by step, against the real simulator over mutual TLS; each
broken link is named at its own step."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kiosk.diag import main as diag_main
from kiosk.technician.netcheck import check_host
from tests.contract.host_client.conftest import TERMINAL


def _check(host, **changes):
    s = host.settings()
    values = {"ca_file": s.ca_file, "cert_file": s.cert_file, "key_file": s.key_file,
              "timeout": 3.0, **changes}
    url = values.pop("url", s.url)
    return check_host(url, TERMINAL, **values)


def test_every_step_passes_against_the_simulator(host):
    report = _check(host)
    assert report.ok, report.text()
    names = [s.name for s in report.steps]
    assert names == ["dns", "tcp", "tls", "server_certificate", "client_certificate", "http",
                     "clock"]
    steps = {s.name: s for s in report.steps}
    assert steps["dns"].data["addresses"] == ["127.0.0.1"]
    assert steps["tls"].data["protocol"] in ("TLSv1.2", "TLSv1.3")
    assert steps["server_certificate"].data["days_left"] > 30
    assert steps["http"].data["status"] == 200
    assert abs(steps["clock"].data["skew_seconds"]) <= 2


def test_a_skewed_terminal_clock_fails_the_clock_step(host):
    ahead = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=300)  # noqa: E731
    report = _check(host, now=ahead, max_skew_seconds=60)
    assert report.first_failure == "clock"
    assert 298 <= report.steps[-1].data["skew_seconds"] <= 302


def test_certificates_near_or_past_expiry_are_flagged(host):
    steps = {s.name: s for s in _check(host).steps}
    for name in ("server_certificate", "client_certificate"):
        not_after = dt.datetime.fromisoformat(steps[name].data["not_after"])
        near = _check(host, now=lambda n=not_after: n - dt.timedelta(days=10),
                      max_skew_seconds=10**10)
        step = next(s for s in near.steps if s.name == name)
        assert step.ok and step.warning and step.data["days_left"] == 10.0, name
        past = _check(host, now=lambda n=not_after: n + dt.timedelta(days=1),
                      max_skew_seconds=10**10)
        step = next(s for s in past.steps if s.name == name)
        assert not step.ok and step.data["days_left"] == -1.0, name


def test_each_broken_link_is_named(host, tmp_path):
    assert _check(host, url="https://no-such-host.invalid:8443").first_failure == "dns"
    assert _check(host, url="https://127.0.0.1:9").first_failure == "tcp"
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_text(Path("/etc/ssl/certs/ca-certificates.crt").read_text()[:4000].rsplit(
        "-----END CERTIFICATE-----", 1)[0] + "-----END CERTIFICATE-----\n")
    report = _check(host, ca_file=other_ca)
    assert report.first_failure == "tls" and "CERTIFICATE_VERIFY_FAILED" in report.steps[2].detail


def test_kiosk_diag_host_check_prints_the_steps(host, capsys):
    s = host.settings()
    code = diag_main(["host", "check", "--url", s.url, "--json", "--ca", str(s.ca_file),
                      "--cert", str(s.cert_file), "--key", str(s.key_file)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["ok"] and out["first_failure"] is None
    code = diag_main(["host", "check", "--url", "https://127.0.0.1:9", "--ca", str(s.ca_file),
                      "--cert", str(s.cert_file), "--key", str(s.key_file)])
    text = capsys.readouterr().out
    assert code == 2 and "failed at tcp" in text
