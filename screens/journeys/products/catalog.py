"""The products as last heard from the host, kept in the state directory (Qt-free).

Written atomically (devices/atomicfile.py) each time the host answers; read back when it does
not, with the date it was fetched. A damaged file is reported and not used."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.atomicfile import CorruptFile, read_json, write_json_atomic

log = logging.getLogger(__name__)

CACHE_FILE = Path("cache") / "products.json"


@dataclass(frozen=True)
class ProductSheet:
    """The products to show and where they come from (``fetched_at``; ``cached``: the host
    did not answer now)."""

    products: tuple[Any, ...]
    fetched_at: dt.datetime
    cached: bool


class ProductCache:
    def __init__(self, state_dir: str | Path) -> None:
        self.path = Path(state_dir).expanduser() / CACHE_FILE

    def save(self, products: Any, now: dt.datetime) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.path, {
            "fetched_at": now.isoformat(timespec="seconds"),
            "products": [p.model_dump(mode="json") for p in products],
        })

    def load(self) -> ProductSheet | None:
        """The last list, or None when there is none (or it is damaged: reported)."""
        from kiosk.host.models import Product

        if not self.path.exists():
            return None
        try:
            data = read_json(self.path)
            products = tuple(Product.model_validate(p) for p in data["products"])
            fetched = dt.datetime.fromisoformat(str(data["fetched_at"]))
        except (CorruptFile, KeyError, TypeError, ValueError) as exc:
            log.error("products cache %s is damaged (%s): not used", self.path, exc)
            return None
        return ProductSheet(products, fetched, cached=True)
