"""The autopilot's products journey (development tool; the product never imports this)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.autopilot import Journey, JourneyFailed, Pilot


def products(pilot: Pilot, params: dict[str, Any]) -> str:
    """Home -> the product list (from the host, or kept with its date) -> the first product's
    details -> back -> 返回 -> home."""
    views = pilot.runner.views_of("products")
    pilot.settle_host()
    pilot.start_journey("products")
    pilot.wait_until(lambda: pilot.shell.current_name() in (
        "products_list", "products_unavailable"), 20.0, "the products")
    if pilot.shell.current_name() == "products_unavailable":
        raise JourneyFailed("no products: the host is down and nothing was kept")
    codes = views.list_view.visible_codes()
    kept = views.list_view.notice.isVisible()
    pilot.click(views.list_view.tile(codes[0]))
    pilot.wait_screen("products_detail")
    name = views.detail_view.heading.text()
    pilot.click(views.detail_view.back_button)
    pilot.wait_screen("products_list")
    pilot.click(views.list_view.back_button)
    pilot.expect_outcome("done")
    return f"{len(views.list_view._choices)} products{' (kept)' if kept else ''}, {name} read"


def journeys(scenario: dict[str, Any]) -> Iterable[Journey]:
    yield Journey("products", products, {}, "loan products from the host (or kept)")
