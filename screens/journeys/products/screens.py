"""The products' screens: a list (two per screen plus 下一页 when there are more than three)
and one product's details."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.attract import MAX_CHOICES, ChoiceTile, HomeChoice, TileRow
from kiosk.shell.formats import percent, short_date, whole_yuan
from kiosk.shell.page import ScreenPage, make_button, make_label


def offline_notice(tr: Translator, fetched_at: dt.datetime, today: dt.date) -> str:
    return tr("products.cached", date=short_date(tr, fetched_at.date(), today))


class ProductListView(ScreenPage):
    chosen = Signal(str)
    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__("products_list")
        self.notice = make_label("alert", name="notice")
        self.notice.hide()
        self.content.addWidget(self.notice)
        row = TileRow()  # side by side; one under the other in the elderly mode
        self.tiles: list[ChoiceTile] = []
        for i in range(MAX_CHOICES):
            tile = row.add_tile(ChoiceTile(f"product-{i + 1}"))
            tile.clicked.connect(self._on_tile)
            self.tiles.append(tile)
        self.content.addLayout(row)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.more_button = self.add_action(make_button(name="more"))
        self.more_button.clicked.connect(self.next_page)
        self._choices: list[HomeChoice] = []
        self._page = 0

    def show_products(self, tr: Translator, products: Sequence[Any], notice: str = "") -> None:
        self._choices = [HomeChoice(p.code, p.name, tr("products.rate_line",
                                                       rate=percent(Decimal(p.annual_rate))))
                         for p in products]
        self._page = 0
        self.heading.setText(tr("products.title"))
        self.body.setText(tr("products.body"))
        self.notice.setText("⚠ " + notice if notice else "")
        self.notice.setVisible(bool(notice))
        self.back_button.setText(tr("screen.common.back"))
        self.more_button.setText(tr("products.more"))
        self.repeat_button.setText(tr("screen.common.repeat"))
        self._show_page()

    @property
    def per_page(self) -> int:
        """Three fit; with more, two and 下一页 (never more than three choices)."""
        return MAX_CHOICES if len(self._choices) <= MAX_CHOICES else MAX_CHOICES - 1

    @property
    def pages(self) -> int:
        return max(1, -(-len(self._choices) // self.per_page))

    def next_page(self) -> None:
        self._page = (self._page + 1) % self.pages
        self._show_page()

    def visible_codes(self) -> list[str]:
        return [str(t.property("key")) for t in self.tiles if t.isVisibleTo(self)]

    def tile(self, code: str) -> ChoiceTile | None:
        return next((t for t in self.tiles if t.isVisibleTo(self) and t.property("key") == code),
                    None)

    def _show_page(self) -> None:
        start = self._page * self.per_page
        page = self._choices[start:start + self.per_page]
        for i, tile in enumerate(self.tiles):
            if i < len(page):
                tile.show_choice(page[i])
                tile.show()
            else:
                tile.hide()
        self.more_button.setVisible(self.pages > 1)

    def _on_tile(self) -> None:
        tile = self.sender()
        if isinstance(tile, ChoiceTile):
            self.chosen.emit(str(tile.property("key")))


class ProductDetailView(ScreenPage):
    back_requested = Signal()
    finish_requested = Signal()

    def __init__(self) -> None:
        super().__init__("products_detail")
        self.layout().setSpacing(theme.GAP_PX)
        self.set_text_rows()  # six lines of words: a grid unit apart in the elderly mode
        self.lines = {key: make_label(name=f"detail-{key}") for key in
                      ("audience", "amount", "terms", "rate", "methods", "bring")}
        for label in self.lines.values():
            self.content.addWidget(label)
        self.back_button = self.add_action(make_button(name="back"))
        self.back_button.clicked.connect(self.back_requested)
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_product(self, tr: Translator, p: Any) -> None:
        sep = tr("shell.reason.separator")
        self.heading.setText(p.name)
        # the list said where the figures come from (today's or kept); here only the figures
        self.body.hide()
        texts = {
            "audience": tr("products.audience", audience=p.audience),
            "amount": tr("products.amount", low=whole_yuan(Decimal(p.min_amount)),
                         high=whole_yuan(Decimal(p.max_amount))),
            "terms": tr("products.terms", terms=sep.join(str(t) for t in p.terms)),
            "rate": tr("products.rate", rate=percent(Decimal(p.annual_rate))),
            "methods": tr("products.methods", methods=sep.join(
                tr(f"calc.method.{m}") for m in p.methods)),
            "bring": tr("products.bring", items=sep.join(p.requirements)),
        }
        for key, label in self.lines.items():
            label.setText(texts[key])
        self.back_button.setText(tr("screen.common.back"))
        self.finish_button.setText(tr("products.finish"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class UnavailableView(ScreenPage):
    finish_requested = Signal()

    def __init__(self) -> None:
        super().__init__("products_unavailable")
        self.finish_button = self.add_action(make_button(primary=True, name="finish"))
        self.finish_button.clicked.connect(self.finish_requested)

    def show_texts(self, tr: Translator) -> None:
        self.heading.setText(tr("products.unavailable.title"))
        self.body.setText(tr("products.unavailable.body"))
        self.finish_button.setText(tr("products.finish"))
        self.repeat_button.setText(tr("screen.common.repeat"))


class ProductsViews:
    def __init__(self) -> None:
        self.loading_view = ScreenPage("products_loading")
        self.list_view = ProductListView()
        self.detail_view = ProductDetailView()
        self.unavailable_view = UnavailableView()

    def pages(self) -> list[ScreenPage]:
        return [self.loading_view, self.list_view, self.detail_view, self.unavailable_view]


def sample_screens(views: ProductsViews, tr: Translator) -> list[tuple[str, QWidget]]:
    """Every screen with the longest texts it can get (the simulator's own product list)."""
    from pathlib import Path

    import yaml

    from kiosk.host.models import Product

    raw = yaml.safe_load((Path(__file__).resolve().parents[3] / "peripherals_sim" /
                          "bank_host" / "products.yaml").read_text("utf-8"))
    products = [Product.model_validate({**d, "rate_label": ""})
                for d in raw]
    longest = max(products, key=lambda p: len(p.audience) + len("".join(p.requirements)))
    notice = offline_notice(tr, dt.datetime(2026, 2, 21, 9, 30), dt.date(2027, 3, 1))
    v = views
    v.loading_view.heading.setText("… " + tr("products.loading"))
    v.list_view.show_products(tr, products, notice)
    v.detail_view.show_product(tr, longest)
    v.unavailable_view.show_texts(tr)
    return [(page.name, page) for page in v.pages()]
