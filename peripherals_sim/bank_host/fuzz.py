"""Fuzz the host simulator against the contract: ``make fuzz`` (schemathesis, bounded).

Starts ``kiosk-sim host`` over mutual TLS in a temporary state directory and runs
``schemathesis run docs/host-api.yaml`` against it with the terminal's client certificate, the
bank's CA and the terminal id header. Examples per operation are bounded (``--max-examples``);
the run fails on server errors and on answers that do not match the documented schema.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from peripherals_sim.bank_host.openapi_doc import DOC
from peripherals_sim.bank_host.process import HostProcess

TERMINAL = "ZN610425001"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance,negative_data_rejection")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--max-examples", type=int, default=25)
    p.add_argument("--seed", type=int, default=20260316)
    p.add_argument("--checks", default=CHECKS)
    p.add_argument("extra", nargs="*", help="more schemathesis arguments")
    a = p.parse_args(argv)
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
        return subprocess.call(cmd)


if __name__ == "__main__":
    raise SystemExit(main())
