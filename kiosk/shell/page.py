"""The frame every farmer screen shares (the design system's layout, kiosk/shell/theme.py):
a heading row (the heading and the countdown), a panel that fills the page (the body text,
the content area, and the progress animation while the screen waits) and a footer with 重听
(repeat) and 求助 on the left and at most three choices plus back/cancel on the right. Screens
subclass :class:`ScreenPage`; texts come from the catalogs by the subclass.

A screen that waits for a device or the host calls :meth:`ScreenPage.show_waiting` with what
it waits for; a heading set with the old "… " prefix does the same (the turning ring replaces
the dots), so journeys written before the design system get the animation unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from kiosk.shell import icons, theme
from kiosk.shell.waiting import WaitingIndicator

WAITING_PREFIX = "… "


def make_button(text: str = "", *, primary: bool = False, name: str = "",
                danger: bool = False) -> QPushButton:
    """A big touch button (>= 96x96 px): ``primary`` filled green with white text, ``danger``
    filled dark red, else outlined. Footer buttons named repeat/help/cancel/back/more get
    their icon (kiosk/shell/icons.py)."""
    button = QPushButton(text)
    button.setProperty("role", "danger" if danger else "primary" if primary else "secondary")
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setMinimumSize(theme.TOUCH_MIN_PX * 2, theme.TOUCH_MIN_PX)
    if name:
        button.setObjectName(name)
        if name in icons.BUTTON_ICONS:
            icons.set_icon(button, icons.BUTTON_ICONS[name])
    return button


def set_role(widget: QWidget, role: str) -> None:
    """Change a widget's ``role`` (primary/secondary/danger, heading/error ...) and repolish
    it (and recolour a button's icon)."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    if isinstance(widget, QPushButton):
        icons.refresh(widget)
    elif isinstance(widget, QLabel):
        # a repolish keeps the box (padding, border) of the label's first polish: a label
        # shown as plain text that becomes an alert would draw its bar over the words. A
        # sheet of its own, set and cleared, polishes it afresh from the application's.
        widget.setStyleSheet("/* role */")
        widget.setStyleSheet("")


def make_label(role: str = "", *, name: str = "") -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        label.setProperty("role", role)
    if name:
        label.setObjectName(name)
    return label


def beside_in_care(first: QWidget, second: QWidget, *, picture: bool = True) -> QBoxLayout:
    """``first`` above ``second`` in the normal mode; in the elderly mode side by side, so the
    larger words share the height of a 1024x768 screen instead of stacking past it.
    ``picture``: ``second`` is a picture (its own width, centred under the text or beside
    it); else both are texts and share the width equally."""
    box = QBoxLayout(QBoxLayout.Direction.TopToBottom)
    box.addWidget(first, 1)
    box.addWidget(second, 0 if picture else 1)
    for widget in (first, second):
        if isinstance(widget, QLabel):  # side by side, both texts start at the top
            widget.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def follow(on: bool) -> None:
        box.setDirection(QBoxLayout.Direction.LeftToRight if on
                         else QBoxLayout.Direction.TopToBottom)
        # stacked: the gap of the content area's rows; two texts side by side: a wider one
        box.setSpacing(theme.GAP_PX * 2 if on and not picture else theme.GAP_PX)
        if picture:
            box.setAlignment(second, Qt.AlignmentFlag.AlignVCenter if on
                             else Qt.AlignmentFlag.AlignHCenter)

    follow(theme.care_mode())
    theme.on_care_mode(follow)
    return box


COUNTDOWN_PX = 160  # 还剩120秒 / 120 s left at body size (x1.25 in the elderly mode)


class PanelScroll(QScrollArea):
    """Holds a page's panel. In the normal mode the panel is the room (every layout fits
    1024x768: tests/gui/test_ux_rules.py). In the elderly mode it is as wide as the room and
    as tall as the room, or as tall as its content needs at that width (its minimum height
    for the width: wrapped words in full, pictures and charts at their minimum) -- then it
    scrolls: the bar at the right shows there is more, a finger drags it, and a page shown
    again starts at its top."""

    def __init__(self, panel: QWidget) -> None:
        super().__init__()
        self.setObjectName("panel-scroll")
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setAutoFillBackground(False)
        self.setWidget(panel)
        panel.installEventFilter(self)
        self._dragged = False
        self._fitting = False

    def needed_height(self, width: int) -> int:
        panel = self.widget()
        layout = panel.layout()
        if layout is None:
            return panel.minimumSizeHint().height()
        hfw = layout.minimumHeightForWidth(width) if layout.hasHeightForWidth() else -1
        return hfw if hfw >= 0 else layout.totalMinimumSize().height()

    def fit_panel(self) -> None:
        if self._fitting:  # the bar coming or going resizes the viewport: one pass at a time
            return
        self._fitting = True
        try:
            self._fit()
        finally:
            self._fitting = False

    def _fit(self) -> None:
        full = self.contentsRect().size()  # the room without a bar
        if not theme.care_mode():  # the normal mode's layouts fit the page as they are
            self._bar(False)
            self._resize(full.width(), full.height())
            self._drag(False)
            return
        if self.needed_height(full.width()) <= full.height():
            self._bar(False)
            self._resize(full.width(), full.height())
            if self._short() == 0:
                self._drag(False)
                return
        # too tall: the bar stays on (no flicker between a wider page without it and a
        # narrower one with it), the panel as tall as its words need beside it
        self._bar(True)
        room = self.viewport().size()
        height = max(room.height(), self.needed_height(room.width()))
        for _ in range(3):
            self._resize(room.width(), height)
            # the layout's minimum can be a few px short of a styled label's wrapped height
            # (padding, borders): grow by what the words still lack
            short = self._short()
            if short == 0:
                break
            height += short
        self._drag(height > room.height())

    def _resize(self, width: int, height: int) -> None:
        if self.widget().size() != QSize(width, height):
            self.widget().resize(width, height)

    def _short(self) -> int:
        """How many px the panel's wrapped words lack (0 while it is not shown)."""
        panel = self.widget()
        if not panel.isVisible():
            return 0
        return sum(max(0, label.heightForWidth(label.width()) - label.height())
                   for label in panel.findChildren(QLabel)
                   if label.wordWrap() and label.isVisibleTo(panel) and label.text())

    def _bar(self, on: bool) -> None:
        policy = (Qt.ScrollBarPolicy.ScrollBarAlwaysOn if on
                  else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        if self.verticalScrollBarPolicy() != policy:
            self.setVerticalScrollBarPolicy(policy)

    def _drag(self, on: bool) -> None:
        """A finger drags the panel only while it scrolls (a page that fits keeps every touch
        for its own widgets, e.g. the signature pad)."""
        if on == self._dragged:
            return
        self._dragged = on
        if on:
            QScroller.grabGesture(self.viewport(),
                                  QScroller.ScrollerGestureType.LeftMouseButtonGesture)
        else:
            QScroller.ungrabGesture(self.viewport())

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:  # e.g. the bar came or went
            self.fit_panel()
        return super().viewportEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() in (QEvent.Type.LayoutRequest,
                                                         QEvent.Type.Show):
            if event.type() == QEvent.Type.Show:
                self.verticalScrollBar().setValue(0)
            self.fit_panel()
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        return self.widget().sizeHint()


class _Heading(QLabel):
    """The heading; a text starting with "… " means the screen waits (see the module)."""

    def __init__(self, page: ScreenPage) -> None:
        super().__init__()
        self._page = page

    def setText(self, text: str) -> None:
        if text.startswith(WAITING_PREFIX):
            text = text[len(WAITING_PREFIX):]
            if not self._page.is_waiting:
                self._page.show_waiting("")  # the heading itself says what is awaited
        super().setText(text)


class ScreenPage(QWidget):
    """Base of every farmer screen. ``name`` identifies it (screenshots, tests);
    ``repeat_requested`` is the 重听 button, ``help_requested`` the 呼叫工作人员 button (the
    staff see it in the status strip). ``countdown`` shows the seconds left on a screen that
    can time out (the runner keeps it current)."""

    repeat_requested = Signal()
    help_requested = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(theme.MARGIN_PX, theme.MARGIN_PX, theme.MARGIN_PX,
                                 theme.MARGIN_PX)
        outer.setSpacing(theme.GAP_PX + 8)
        self.heading = _Heading(self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setProperty("role", "heading")
        self.heading.setObjectName("heading")
        self.body = make_label(name="body")
        # always there, empty when the screen does not time out: a tick changes its text only
        # (no show/hide, no relayout of the page every second)
        self.countdown = make_label("muted", name="countdown")
        self.countdown.setWordWrap(False)
        self.countdown.setFixedWidth(theme.px(COUNTDOWN_PX))
        theme.on_care_mode(self._on_care_mode)
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        top = QHBoxLayout()
        top.setSpacing(theme.GAP_PX)
        top.addWidget(self.heading, 1)
        self.top_row = top
        top.addWidget(self.countdown, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        outer.addLayout(top)
        # the panel fills the page between the heading and the footer: no half-empty screen
        self.panel = QFrame()
        self.panel.setObjectName("panel")
        self.panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        panel = QVBoxLayout(self.panel)
        pad = theme.PANEL_PAD_PX
        panel.setContentsMargins(pad, 6, pad, 6)  # + the 2 px border
        panel.setSpacing(theme.GAP_PX)
        panel.addWidget(self.body)
        self.content = QVBoxLayout()
        self.content.setSpacing(theme.GAP_PX)
        panel.addLayout(self.content)
        self.waiting = WaitingIndicator()
        self.waiting.hide()
        panel.addStretch(1)
        panel.addWidget(self.waiting, 0, Qt.AlignmentFlag.AlignHCenter)
        panel.addStretch(1)
        self.panel_layout = panel
        # the panel scrolls when its words do not fit the page (the elderly mode's larger text
        # on a small screen); a finger drags it, the wide bar at the right shows there is more
        self.scroll = PanelScroll(self.panel)
        outer.addWidget(self.scroll, 1)
        footer = QHBoxLayout()
        footer.setSpacing(theme.GAP_PX)
        self.repeat_button = make_button(name="repeat")
        self.repeat_button.clicked.connect(self.repeat_requested)
        footer.addWidget(self.repeat_button)
        self.help_button = QPushButton()
        self.help_button.setObjectName("help")
        self.help_button.setProperty("role", "secondary")
        self.help_button.setProperty("compact", True)
        self.help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.help_button.setMinimumSize(theme.TOUCH_MIN_PX, theme.TOUCH_MIN_PX)
        icons.set_icon(self.help_button, "help")
        self.help_button.clicked.connect(self.help_requested)
        footer.addWidget(self.help_button)
        footer.addStretch(1)
        self.action_row = QHBoxLayout()
        self.action_row.setSpacing(theme.GAP_PX)
        footer.addLayout(self.action_row)
        outer.addLayout(footer)
        self.footer = footer
        if theme.care_mode():
            self._on_care_mode(True)

    def show_waiting(self, what: str) -> None:
        """The screen waits for a device or the host: the turning ring and ``what`` (e.g.
        正在等银行回复) in the panel. :meth:`hide_waiting` (or a new ``show_*``) ends it."""
        self.waiting.set_text(what)
        self.waiting.show()

    def place_waiting_beside(self, picture: QWidget) -> None:
        """Show the progress animation to the right of ``picture`` (a device's picture) in
        the content area, instead of below it."""
        self.panel_layout.removeWidget(self.waiting)
        row = QHBoxLayout()
        row.setSpacing(theme.GAP_PX * 2)
        row.addStretch(1)
        row.addWidget(picture, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.waiting, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch(1)
        self.content.addLayout(row)

    def hide_waiting(self) -> None:
        self.waiting.hide()
        self.waiting.set_text("")

    def scrolls(self) -> bool:
        """True when the panel's content is taller than the room for it (it scrolls)."""
        return self.scroll.verticalScrollBar().maximum() > 0

    @property
    def is_waiting(self) -> bool:
        return not self.waiting.isHidden()

    def set_text_rows(self) -> None:
        """The content area holds lines of text only (no touch targets one above another):
        in the elderly mode its rows stand a grid unit apart, like the panel's (the text's
        own leading keeps them apart; touch targets keep their 16 px gaps elsewhere)."""
        self._text_rows = True
        self._on_care_mode(theme.care_mode())

    def _on_care_mode(self, on: bool) -> None:
        """Larger text needs the room: in the elderly mode the page's gaps shrink to the
        grid's unit (touch targets keep their size and their 16 px gaps)."""
        self.countdown.setFixedWidth(theme.px(COUNTDOWN_PX))
        if getattr(self, "_text_rows", False):
            self.content.setSpacing(theme.GRID_PX if on else theme.GAP_PX)
        outer, panel = self.layout(), self.panel_layout
        if outer is None:
            return
        if on:
            self._normal_gaps = (outer.spacing(), panel.spacing())
            outer.setSpacing(theme.GRID_PX)
            panel.setSpacing(theme.GRID_PX)
            # the panel spans the page's width (its scroll bar, when the words need it, takes
            # the side margins); the heading and the footer keep theirs
            outer.setContentsMargins(0, 4, 0, 4)
            self.top_row.setContentsMargins(theme.GRID_PX, 0, theme.GRID_PX, 0)
            self.footer.setContentsMargins(theme.GRID_PX, 0, theme.GRID_PX, 0)
            panel.setContentsMargins(theme.PANEL_PAD_PX, 2, theme.PANEL_PAD_PX, 2)
        elif getattr(self, "_normal_gaps", None) is not None:
            outer.setSpacing(self._normal_gaps[0])
            panel.setSpacing(self._normal_gaps[1])
            m = theme.MARGIN_PX
            outer.setContentsMargins(m, m, m, m)
            self.top_row.setContentsMargins(0, 0, 0, 0)
            self.footer.setContentsMargins(0, 0, 0, 0)
            panel.setContentsMargins(theme.PANEL_PAD_PX, 6, theme.PANEL_PAD_PX, 6)
            self._normal_gaps = None

    def set_help_text(self, text: str) -> None:
        self.help_button.setText(text)

    def set_countdown(self, text: str) -> None:
        """The seconds left as words (``""``: the screen does not time out)."""
        if self.countdown.text() != text:
            self.countdown.setText(text)

    def add_action(self, button: QPushButton) -> QPushButton:
        """Add a choice to the footer's right side (keep it to 3 plus back/cancel)."""
        self.action_row.addWidget(button)
        return button
