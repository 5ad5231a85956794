"""A table shown a few rows at a time (farmer sizes: body text, no scrolling): a header row,
``rows_per_page`` rows of labels re-filled per page, figures right-aligned."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from kiosk.shell import theme
from kiosk.shell.page import make_label


class PagedTable(QWidget):
    def __init__(self, columns: int, rows_per_page: int, *, right_from: int,
                 spacing: int = theme.GAP_PX + 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows_per_page = rows_per_page
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(spacing)
        grid.setVerticalSpacing(4)
        # role table/table-head: the body size in both modes (five columns of amounts do
        # not fit 1024 px at x1.25; the figures are also read aloud)
        self.header = [make_label("table-head", name=f"col-{c}") for c in range(columns)]
        for c, label in enumerate(self.header):
            label.setWordWrap(False)
            if c >= right_from:
                label.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(label, 0, c)
        self.cells: list[list[QLabel]] = []
        for r in range(rows_per_page):
            row = []
            for c in range(columns):
                label = make_label("table", name=f"cell-{r + 1}-{c}")
                label.setWordWrap(False)
                if c >= right_from:
                    label.setAlignment(Qt.AlignmentFlag.AlignRight)
                grid.addWidget(label, r + 1, c)
                row.append(label)
            self.cells.append(row)
        self._rows: Sequence[tuple[str, ...]] = ()
        self.page = 0

    def set_rows(self, header: Sequence[str], rows: Sequence[tuple[str, ...]],
                 page: int = 0) -> None:
        for label, text in zip(self.header, header, strict=True):
            label.setText(text)
        self._rows = rows
        self.show_page(page)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self._rows) // self.rows_per_page))

    def show_page(self, page: int) -> None:
        self.page = max(0, min(page, self.pages - 1))
        start = self.page * self.rows_per_page
        shown = self._rows[start:start + self.rows_per_page]
        for i, row in enumerate(self.cells):
            for c, label in enumerate(row):
                label.setText(shown[i][c] if i < len(shown) else "")

    def row_texts(self, index: int) -> tuple[str, ...]:
        """The cells of row ``index`` of the page shown (tests, the autopilot)."""
        return tuple(label.text() for label in self.cells[index])

    def audio_lines(self) -> list[str]:
        """The page shown as the audio-guided mode reads it: one line per row, each cell
        after its column's name (期 1，还款日 1月3日，还款 2,559.30 …)."""
        names = [label.text() for label in self.header]
        return ["，".join(f"{name} {cell.text()}" for name, cell in zip(names, row, strict=True)
                         if cell.text())
                for row in self.cells if any(cell.text() for cell in row)]

    def page_of(self, index: int) -> int:
        """The page that shows row ``index`` of all rows."""
        return index // self.rows_per_page
