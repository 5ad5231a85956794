"""Scenario files: the sample people, cards, keys and customers every simulator plays.

A scenario is one YAML file (``scenarios/demo.yaml`` by default) with a section per concern;
each simulator reads its own sections and picks entries by their ``id``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

SCENARIO_DIR = Path(__file__).with_name("scenarios")
DEFAULT_SCENARIO = SCENARIO_DIR / "demo.yaml"


def _plain(value: Any) -> Any:
    """YAML dates become ISO strings, so that sections serialise to JSON unchanged."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load_scenario(path: str | Path | None = None) -> dict[str, Any]:
    """Load a scenario file; dates are ISO strings, expiries ``YYYY-MM`` stay strings."""
    p = Path(path) if path else DEFAULT_SCENARIO
    with p.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{p}: a scenario is a mapping of sections")
    plain: dict[str, Any] = _plain(data)
    return plain


def by_id(section: list[dict[str, Any]], item_id: str) -> dict[str, Any]:
    """The entry of ``section`` whose ``id`` is ``item_id`` (KeyError naming it otherwise)."""
    for item in section:
        if item.get("id") == item_id:
            return item
    raise KeyError(item_id)
