"""The appliance package installs exactly packaging/deb/requirements.lock: every runtime
dependency of pyproject.toml must be in it (after adding one, run packaging/deb/lock.sh)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_runtime_dependency_with_a_hash() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [line for line in (REPO / "packaging/deb/requirements.lock").read_text().splitlines()
             if line and not line.startswith("#")]
    locked = {}
    for line in lines:
        m = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+) --hash=sha256:([0-9a-f]{64})", line)
        assert m, f"not a pinned, hashed line: {line}"
        locked[_norm(m.group(1))] = m.group(2)
    names = [_norm(re.split(r"[ <>=!~;\[]", d, maxsplit=1)[0]) for d in deps]
    missing = [n for n in names if n not in locked]
    assert not missing, f"run packaging/deb/lock.sh: the lock lacks {missing}"
