"""Fuzz the host simulator against the contract: ``make fuzz`` (schemathesis, bounded).

Starts ``kiosk-sim host`` over mutual TLS in a temporary state directory and runs
``schemathesis run docs/host-api.yaml`` against it with the terminal's client certificate, the
bank's CA and the terminal id header. Examples per operation are bounded (``--max-examples``);
the run fails on server errors and on answers that do not match the documented schema. The
documented limits (``maxLength`` on every request string, ASCII ``[0-9]`` patterns) are part of
the schema, so ``negative_data_rejection`` sends strings over them too.

Then the limits the schema cannot state are probed (:func:`limit_probes`): every request string
that the schema says is digits, written in full-width, Arabic-Indic and Devanagari digits (400,
never booked); a body over ``MAX_BODY_BYTES`` with and without Content-Length (413); every
control path on the mutual-TLS port (404); malformed control bodies (400); the clock moved
backwards without ``force`` (400). ``--limits-only`` skips schemathesis.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
import yaml

from peripherals_sim.bank_host.openapi_doc import DOC
from peripherals_sim.bank_host.process import HostProcess

TERMINAL = "ZN610425001"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance,negative_data_rejection")


OTHER_DIGITS = {"full-width": "０１２３４５６７８９", "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
                "devanagari": "०१२३४५६७८९"}
CONTROL = [("GET", "/scenario"), ("GET", "/sim/ledger"), ("GET", "/sim/customers"),
           ("GET", "/sim/clock"), ("POST", "/sim/clock"), ("GET", "/sim/fault"),
           ("POST", "/sim/fault"), ("DELETE", "/sim/fault")]
BAD_CONTROL = [("/sim/fault", "[1]"), ("/sim/fault", "null"), ("/sim/fault", "{x"),
               ("/sim/fault", '{"kind": "slow", "rate": "often"}'), ("/sim/clock", "[]"),
               ("/sim/clock", '{"date": 1}'), ("/sim/clock", '{"date": "２０２６-０１-０１"}')]


def _digit_fields(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path, field, example) of every request body string whose pattern is ASCII digits."""
    schemas = doc["components"]["schemas"]
    found = []
    for path, ops in doc["paths"].items():
        post = ops.get("post") or {}
        ref = (((post.get("requestBody") or {}).get("content") or {}).get(
            "application/json") or {}).get("schema", {}).get("$ref", "")
        if not ref:
            continue
        for name, prop in schemas[ref.rsplit("/", 1)[1]].get("properties", {}).items():
            options = prop.get("anyOf", [prop])
            for option in options:
                pattern = option.get("pattern", "")
                if "[0-9]" in pattern:
                    example = {"amount": "5000.00", "pan": "6217991000001234561",
                               "phone": "13812345678", "trace": "000001",
                               "id_number": "61042519680315301X"}.get(name)
                    if example and re.fullmatch(pattern, example):
                        found.append((path, name, example))
    return found


def limit_probes(host: HostProcess, terminal: str = TERMINAL) -> list[str]:
    """The limits of the module docstring; returns the failures (empty: all held)."""
    from peripherals_sim.bank_host.app import MAX_BODY_BYTES

    failures: list[str] = []
    s = requests.Session()
    s.trust_env = False
    s.verify = host.ready["ca_file"]
    s.cert = host.cert(terminal)
    s.headers["X-Terminal-Id"] = terminal
    ledger = requests.get(host.control + "/sim/ledger", timeout=20).json()
    doc = yaml.safe_load(DOC.read_text(encoding="utf-8"))
    for path, name, example in _digit_fields(doc):
        for label, digits in OTHER_DIGITS.items():
            odd = "".join(digits[int(c)] if c.isdigit() else c for c in example)
            r = s.post(host.url + path, json={name: odd}, timeout=20)
            detail = r.json().get("detail", "") if r.headers.get(
                "content-type", "").startswith("application/json") else ""
            if r.status_code != 400 or f"{name}: String should match pattern" not in detail:
                failures.append(f"{path} {name} in {label} digits: {r.status_code} {detail}")
    big = b'{"purpose": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}'
    for label, data in (("Content-Length", big), ("chunked", iter([big]))):
        r = s.post(host.url + "/v1/intentions", data=data, timeout=60,
                   headers={"Content-Type": "application/json"})
        if r.status_code != 413:
            failures.append(f"a body over {MAX_BODY_BYTES} bytes ({label}): {r.status_code}")
    for method, path in CONTROL:
        r = s.request(method, host.url + path, json={"date": "2020-01-01", "force": True},
                      timeout=20)
        if r.status_code != 404:
            failures.append(f"{method} {path} on the mutual-TLS port: {r.status_code}")
    for path, body in BAD_CONTROL:
        r = requests.post(host.control + path, data=body, timeout=20,
                          headers={"Content-Type": "application/json"})
        if r.status_code != 400:
            failures.append(f"POST {path} {body}: {r.status_code}")
    clock = requests.get(host.control + "/sim/clock", timeout=20).json()
    r = requests.post(host.control + "/sim/clock", json={"date": "2000-01-01"}, timeout=20)
    if r.status_code != 400:
        failures.append(f"the clock moved backwards without force: {r.status_code}")
    if requests.get(host.control + "/sim/clock", timeout=20).json() != clock:
        failures.append("the clock changed after a refused move")
    if requests.get(host.control + "/sim/ledger", timeout=20).json() != ledger:
        failures.append("something was booked by a refused request")
    print(json.dumps({"limit_probes": len(_digit_fields(doc)) * len(OTHER_DIGITS) + 2
                      + len(CONTROL) + len(BAD_CONTROL) + 1, "failures": failures},
                     ensure_ascii=False))
    return failures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--max-examples", type=int, default=25)
    p.add_argument("--seed", type=int, default=20260316)
    p.add_argument("--checks", default=CHECKS)
    p.add_argument("--limits-only", action="store_true", help="only the limit probes")
    p.add_argument("extra", nargs="*", help="more schemathesis arguments")
    a = p.parse_args(argv)
    if a.limits_only:
        with tempfile.TemporaryDirectory() as d, HostProcess(Path(d)) as host:
            return 1 if limit_probes(host) else 0
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or \
        shutil.which("schemathesis")
    if st is None:
        print("schemathesis is not installed: pip install -e '.[fuzz]'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as d, HostProcess(Path(d)) as host:
        cert, key = host.cert(TERMINAL)
        cmd = [st, "run", str(DOC), "--url", host.url, "--tls-verify", host.ready["ca_file"],
               "--request-cert", cert, "--request-cert-key", key,
               "-H", f"X-Terminal-Id: {TERMINAL}", "--max-examples", str(a.max_examples),
               "--seed", str(a.seed), "--checks", a.checks, "--workers", "1",
               "--request-timeout", "20", *a.extra]
        code = subprocess.call(cmd)
        return code or (1 if limit_probes(host) else 0)


if __name__ == "__main__":
    raise SystemExit(main())
