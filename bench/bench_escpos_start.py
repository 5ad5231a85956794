"""Start cost of python-escpos's capability database (issue 10 item 2): the library's own
loader (YAML parse + pickle written, the first start; pickle read from a cache dir, later
starts) against the pickle-free JSON module (devices/printer/escpos_capabilities.py).

Each round imports ``escpos.printer`` in a fresh interpreter, the variants interleaved
A B C A B C. Run: ``.venv/bin/python bench/bench_escpos_start.py [--rounds 15]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIMED = ("import time; t = time.perf_counter(); {setup}import escpos.printer; "
         "print(time.perf_counter() - t)")
VARIANTS = {
    "library, cold (yaml + pickle written)": ("", "cold"),
    "library, warm pickle cache": ("", "warm"),
    "json, no pickle (this project)": ("import devices.printer; ", None),
}


def once(setup: str, cache: str | None, warm_dir: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    with tempfile.TemporaryDirectory() as cold_dir:
        if cache == "cold":
            env["ESCPOS_CAPABILITIES_PICKLE_DIR"] = cold_dir
        elif cache == "warm":
            env["ESCPOS_CAPABILITIES_PICKLE_DIR"] = warm_dir
        out = subprocess.run([sys.executable, "-c", TIMED.format(setup=setup)], env=env,
                             cwd=REPO, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=15)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as warm_dir:
        once("", "warm", warm_dir)  # writes the warm pickle
        times: dict[str, list[float]] = {k: [] for k in VARIANTS}
        for _ in range(args.rounds):
            for name, (setup, cache) in VARIANTS.items():
                times[name].append(once(setup, cache, warm_dir))
    for name, ts in times.items():
        print(f"{name:40s} median {1000 * statistics.median(ts):7.1f} ms  "
              f"min {1000 * min(ts):7.1f} ms  ({len(ts)} rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
