"""Principal and interest per installment as stacked bars (pyqtgraph; imported only when a
schedule is first shown, so the start path never loads it). Principal below, interest on top,
named in a legend (the meaning never rests on colour alone)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme

if TYPE_CHECKING:
    from kiosk.lending.schedule import Schedule

TICK_PX = 22
MIN_SIZE = (300, 240)
CARE_MIN_SIZE = (200, 200)  # the elderly mode's smaller chart: the larger words get the room


class PlotPanel(QWidget):
    """A still pyqtgraph plot at the farmer sizes: no mouse, no menu, the theme's colours,
    ticks and legend at TICK_PX (the calculator's and the loan queries' charts)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._min_size(theme.care_mode())
        theme.on_care_mode(self._min_size)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(background=theme.BACKGROUND)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        font = QFont()
        font.setPixelSize(TICK_PX)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.TEXT))
            axis.setTextPen(pg.mkPen(theme.TEXT))
            axis.setStyle(tickFont=font)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextSize=f"{TICK_PX}px",
                                          labelTextColor=theme.TEXT,
                                          brush=pg.mkBrush(theme.BACKGROUND))
        layout.addWidget(self.plot)

    def _min_size(self, care: bool) -> None:
        """Smaller in the elderly mode: the words beside or above the chart get the room they
        need at the larger size (the chart is the picture, the figures are the answer)."""
        self.setMinimumSize(*(CARE_MIN_SIZE if care else MIN_SIZE))


class LoanChart(PlotPanel):

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("loan-chart", parent)
        self.bars: list[pg.BarGraphItem] = []

    def show_schedule(self, tr: Translator, schedule: Schedule) -> None:
        for item in self.bars:
            self.plot.removeItem(item)
        self.legend.clear()
        lines = schedule.installments
        x = [i.n for i in lines]
        principal = [float(i.principal) for i in lines]
        interest = [float(i.interest) for i in lines]
        width = 0.8
        below = pg.BarGraphItem(x=x, height=principal, width=width,
                                brush=pg.mkBrush(theme.PRIMARY), pen=pg.mkPen(theme.PRIMARY))
        above = pg.BarGraphItem(x=x, height=interest, y0=principal, width=width,
                                brush=pg.mkBrush(theme.ERROR_TEXT),
                                pen=pg.mkPen(theme.ERROR_TEXT))
        self.bars = [below, above]
        for item in self.bars:
            self.plot.addItem(item)
        self.legend.addItem(below, tr("calc.chart.principal"))
        self.legend.addItem(above, tr("calc.chart.interest"))
        self.plot.setLabel("bottom", tr("calc.chart.installment"), color=theme.TEXT,
                           size=f"{TICK_PX}px")
        top = max(p + i for p, i in zip(principal, interest, strict=True))
        self.plot.setXRange(0.4, len(lines) + 0.6, padding=0)
        self.plot.setYRange(0, top * 1.25, padding=0)
