"""Write the host API's OpenAPI document: ``python -m peripherals_sim.bank_host.openapi_doc``.

``docs/host-api.yaml`` is the contract the kiosk's client codes against; it is produced from
the simulator's routes and models (so they cannot disagree) and committed. A test checks that
the committed file and the served ``/openapi.json`` agree on paths, methods and required fields.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from peripherals_sim.scenario import load_scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "host-api.yaml"


def schema() -> dict[str, Any]:
    from peripherals_sim.bank_host.app import create_app
    from peripherals_sim.bank_host.service import Bank
    from peripherals_sim.bank_host.store import Store

    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "doc.sqlite3")
        try:
            return create_app(Bank(store, load_scenario())).openapi()
        finally:
            store.close()


class _Dumper(yaml.SafeDumper):
    """Multi-line texts as literal blocks, so the description reads like the prose it is."""


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str)


def render() -> str:
    header = ("# The host API of the 助农E终端 kiosk (OpenAPI 3.1). Generated from the bank host\n"
              "# simulator's routes and models: python -m peripherals_sim.bank_host.openapi_doc\n")
    return header + yaml.dump(schema(), Dumper=_Dumper, allow_unicode=True,
                                sort_keys=False, width=100)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DOC
    out.write_text(render(), encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
