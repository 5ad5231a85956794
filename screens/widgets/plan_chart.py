"""A booked loan's installments as bars, one group per state (paid, due, overdue, future), each
with its own fill pattern and named in the legend: the meaning never rests on colour alone.
pyqtgraph is imported with this module, only when the chart is first shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from kiosk.shell import theme
from screens.widgets.loan_chart import TICK_PX, PlotPanel

_STYLE = {  # group -> (colour, fill pattern)
    "paid": (theme.PRIMARY, Qt.BrushStyle.SolidPattern),
    "due": (theme.TEXT, Qt.BrushStyle.BDiagPattern),
    "overdue": (theme.ERROR_TEXT, Qt.BrushStyle.DiagCrossPattern),
    "future": (theme.MUTED_TEXT, Qt.BrushStyle.Dense6Pattern),
}


class PlanChart(PlotPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("plan-chart", parent)
        self.bars: dict[str, pg.BarGraphItem] = {}

    def show_plan(self, series: Mapping[str, tuple[Sequence[int], Sequence[float]]],
                  labels: Mapping[str, str], axis_label: str) -> None:
        """``series``: group -> (installment numbers, payments); ``labels``: group -> words."""
        for item in self.bars.values():
            self.plot.removeItem(item)
        self.legend.clear()
        self.bars = {}
        top, count = 0.0, 0
        for group, (xs, ys) in series.items():
            if not xs:
                continue
            colour, pattern = _STYLE[group]
            item = pg.BarGraphItem(x=list(xs), height=list(ys), width=0.8,
                                   brush=QBrush(QColor(colour), pattern),
                                   pen=pg.mkPen(colour, width=1))
            self.plot.addItem(item)
            self.legend.addItem(item, labels[group])
            self.bars[group] = item
            top = max(top, *ys)
            count = max(count, *xs)
        self.legend.setColumnCount(max(1, len(self.bars)))  # one row above the bars
        self.plot.setLabel("bottom", axis_label, color=theme.TEXT, size=f"{TICK_PX}px")
        self.plot.setXRange(0.4, max(count, 1) + 0.6, padding=0)
        self.plot.setYRange(0, (top or 1.0) * 1.6, padding=0)  # room for the legend
