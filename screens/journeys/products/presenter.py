"""The products' presenter: ask the host (its answer kept in the state directory), or show
the kept list with its date when the host does not answer."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.base import Completion
from screens.journeys.products.catalog import ProductCache, ProductSheet
from screens.journeys.products.chart import ProductsEvent, ProductsFlow, ProductsState
from screens.journeys.products.screens import offline_notice
from screens.runner import ChartPresenter

if TYPE_CHECKING:
    from screens.journeys.products.screens import ProductsViews
    from screens.runner import JourneyRunner

log = logging.getLogger(__name__)

S, E = ProductsState, ProductsEvent


class ProductsPresenter(ChartPresenter):
    name = "products"

    def __init__(self, runner: JourneyRunner, views: ProductsViews, **options: Any) -> None:
        super().__init__(runner, views, ProductsFlow(), **options)
        self.v = views
        state_dir = getattr(runner.config, "state_dir", None) or options.get("state_dir")
        self.cache = ProductCache(Path(str(state_dir))) if state_dir else None
        self.connect([
            (views.list_view.chosen, self.flow.choose),
            (views.list_view.back_requested, self.back),
            (views.detail_view.back_requested, self.back),
            (views.detail_view.finish_requested, self.finish),
            (views.unavailable_view.finish_requested, self.finish),
        ])

    def _notice(self) -> str:
        sheet: ProductSheet | None = self.flow.sheet
        if sheet is None or not sheet.cached:
            return ""
        return offline_notice(self._tr, sheet.fetched_at, self.runner.today())

    def _enter_loading(self) -> None:
        view = self.v.loading_view
        view.heading.setText("… " + self._tr("products.loading"))
        view.repeat_button.setText(self._tr("screen.common.repeat"))
        self.runner.show(view, idle=False)
        if self.runner.has_worker("host") and self.runner.terminal.host_online:
            # a GET: safe to abandon at a safe point
            self.runner.request("host", "products", safe=True, on_done=self._answered)
        else:
            self._from_cache("host offline")

    def _answered(self, completion: Completion[Any]) -> None:
        if self.flow.state is not S.LOADING:
            return
        if completion.ok and completion.data is not None:
            products = tuple(completion.data.products)
            now = dt.datetime.now()
            if self.cache is not None:
                try:
                    self.cache.save(products, now)
                except OSError as exc:
                    log.error("products not kept (%s): shown anyway", exc)
            self.flow.loaded(ProductSheet(products, now, cached=False))
        else:
            self._from_cache(f"{completion.code.value} {completion.error}")

    def _from_cache(self, why: str) -> None:
        sheet = self.cache.load() if self.cache is not None else None
        log.info("products from the kept list (%s): %s", why,
                 "none kept" if sheet is None else sheet.fetched_at.isoformat())
        if sheet is None:
            self.flow.send(E.FAILED)
        else:
            self.flow.loaded(sheet)

    def _enter_list(self) -> None:
        notice = self._notice()
        self.v.list_view.show_products(self._tr, self.flow.sheet.products, notice)
        self.runner.show(self.v.list_view)
        names = self._tr("shell.reason.separator").join(p.name for p in self.flow.sheet.products)
        spoken = (notice + "。" if notice else "") + self._tr("voice.products.list", names=names)
        self.runner.speak_text(spoken, msgid="voice.products.list")

    def _enter_detail(self) -> None:
        p = self.flow.chosen
        self.v.detail_view.show_product(self._tr, p)
        self.runner.show(self.v.detail_view)
        self.runner.speak_text("。".join(label.text() for label in
                                        (self.v.detail_view.heading,
                                         *self.v.detail_view.lines.values())),
                               msgid="voice.products.detail")

    def _enter_unavailable(self) -> None:
        self.v.unavailable_view.show_texts(self._tr)
        self.runner.show(self.v.unavailable_view)
        self.runner.speak("voice.products.unavailable")
