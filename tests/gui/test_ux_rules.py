"""适老化 rules checked on the real widgets at 1280x800 and 1024x768, in the normal and the
elderly mode (关怀模式, text x1.25): text sizes, touch targets and gaps, at most three choices
plus cancel, nothing clipped; contrast >= 7:1 for every themed pair, every colour pair of the
style sheet and the PIN pad picture's key labels."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QRect
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea, QWidget

from kiosk.errors import error_info
from kiosk.i18n import Translator
from kiosk.shell import theme

from .conftest import Rig

SIZES = [(1280, 800), (1024, 768)]


@pytest.fixture(scope="module")
def rig(qapp: Any, tmp_path_factory: pytest.TempPathFactory,
        demo_scenario: dict[str, Any]) -> Iterator[Rig]:
    """One kiosk for the whole module (these tests only show and measure screens; building
    a kiosk per test cost more than the checks)."""
    from devices.idcard.fake import FakeIdCardReader
    from devices.voice.fake import RecordingVoice
    from kiosk.app import Kiosk, make_qt_app

    from .conftest import TODAY, kiosk_config

    make_qt_app("zh_CN")
    state_dir = tmp_path_factory.mktemp("ux-state")
    reader = FakeIdCardReader()
    voice = RecordingVoice()
    voice.open()
    kiosk = Kiosk(kiosk_config(state_dir), devices={"idcard": reader}, voice_device=voice,
                  remove_prompt=0.2, today=lambda: TODAY)
    kiosk.modes.settle()
    kiosk.start(show=True)
    try:
        yield Rig(kiosk, reader, voice, demo_scenario, None)
    finally:
        theme.set_care_mode(False)
        kiosk.shutdown()
        kiosk.shell.close()
        kiosk.shell.deleteLater()


def test_theme_text_colours_have_at_least_7_to_1_contrast() -> None:
    assert len(theme.TEXT_PAIRS) >= 15
    for name, (fg, bg) in theme.TEXT_PAIRS.items():
        assert theme.contrast(fg, bg) >= 7.0, (name, fg, bg, theme.contrast(fg, bg))


def sheet_pairs(sheet: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) of every rule of a style sheet that sets both;
    a rule that sets only a background is paired with the text colour of its widget kind."""
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", sheet)
    base = {"QLabel": theme.TEXT, "QPushButton": theme.TEXT}
    out = []
    for selector, body in rules:
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9A-Fa-f]{6})", body)
        background = re.search(r"background:\s*(#[0-9A-Fa-f]{6})", body)
        if background is None:
            continue
        if colour is None:
            kind = next((k for k in base if k in selector), None)
            if kind is None or "#status-strip" in selector or "idle-warning" in selector:
                continue  # a panel: its labels' pairs are listed in TEXT_PAIRS
            fg = base[kind]
        else:
            fg = colour.group(1)
        out.append((selector.strip(), fg, background.group(1)))
    return out


def test_every_colour_pair_of_the_style_sheet_has_at_least_7_to_1() -> None:
    pairs = sheet_pairs(theme.style_sheet(1.0))
    assert len(pairs) >= 8  # buttons (primary, secondary, danger, disabled, keypad), notices
    for selector, fg, bg in pairs:
        assert theme.contrast(fg, bg) >= 7.0, (selector, fg, bg)


def test_the_pin_pad_pictures_key_labels_have_at_least_7_to_1() -> None:
    from kiosk.config import PinPadLayoutConfig
    from screens.widgets.pinpad_picture import label_colour

    pad = PinPadLayoutConfig()
    for key in {k for row in pad.rows for k in row}:
        face = pad.colour_of(key)
        assert theme.contrast(label_colour(face), face) >= 7.0, (key, face)


def test_the_elderly_mode_scales_every_farmer_text_size_by_1_25() -> None:
    normal, care = theme.style_sheet(1.0), theme.style_sheet(theme.CARE_SCALE)
    sizes = [int(x) for x in re.findall(r"font-size: (\d+)px", normal)]
    scaled = [int(x) for x in re.findall(r"font-size: (\d+)px", care)]
    assert len(sizes) == len(scaled) and sizes
    for a, b in zip(sizes, scaled, strict=True):
        assert b == a or b == round(a * theme.CARE_SCALE)  # the staff's strip stays as it is
        assert b == a or a >= 32  # only farmer text sizes are scaled
    assert round(theme.BODY_PX * theme.CARE_SCALE) in scaled
    assert round(theme.HEADING_PX * theme.CARE_SCALE) in scaled


@pytest.fixture(params=[False], ids=["normal"])
def care(request: Any) -> Any:
    """The normal mode (the elderly mode has its own test below)."""
    theme.set_care_mode(request.param)
    try:
        yield request.param
    finally:
        theme.set_care_mode(False)


def screens(rig: Rig, lang: str) -> list[tuple[str, QWidget]]:
    """Every screen of every registered journey (screens/journeys/*, their ``samples``) with
    the longest texts it can get, plus the runner's own screens and the home screen."""
    from screens.samples import sample_pages

    return sample_pages(rig.kiosk, lang)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_home_screen_as_built_from_the_registry_follows_the_rules(
        rig: Rig, size: tuple[int, int], lang: str, care: bool) -> None:
    rig.shell.resize(*size)
    rig.shell.attract.retranslate(Translator(lang))
    rig.kiosk.home.tr = Translator(lang)
    rig.kiosk.home.refresh()
    rig.shell.show_screen(rig.shell.attract)
    settle()
    assert 1 <= len(rig.shell.attract.choices) <= 3
    check_page(rig.shell.attract, "attract")


def settle() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QCoreApplication.processEvents()


def visible(widget: QWidget, kind: type) -> list[Any]:
    return [w for w in widget.findChildren(kind) if w.isVisibleTo(widget)]


def rect_in(page: QWidget, w: QWidget) -> QRect:
    return QRect(w.mapTo(page, w.rect().topLeft()), w.size())


def scrolled_panel(page: QWidget) -> QWidget | None:
    """The panel of a page whose panel scrolls (kiosk/shell/page.py), else None. Only the
    elderly mode may need it; in the normal mode every panel fits its page."""
    scroll = page.findChild(QScrollArea, "panel-scroll")
    if scroll is None or scroll.verticalScrollBar().maximum() == 0:
        return None
    assert theme.care_mode(), f"{page.objectName()}: the panel scrolls in the normal mode"
    bar = scroll.verticalScrollBar()
    assert bar.isVisibleTo(page) and bar.width() >= theme.SCROLLBAR_PX, "no visible scroll bar"
    assert page.rect().contains(rect_in(page, scroll.viewport()))
    panel = scroll.widget()
    # nothing sideways: the panel is as wide as the room beside the bar
    assert panel.width() <= scroll.viewport().width(), (panel.width(), scroll.viewport().width())
    return panel


def inside(page: QWidget, panel: QWidget | None, w: QWidget) -> bool:
    """``w`` lies within the page, or (in a scrolled panel) within the panel a finger moves."""
    if panel is not None and panel.isAncestorOf(w):
        return panel.rect().contains(rect_in(panel, w))
    return page.rect().contains(rect_in(page, w))


def check_page(page: QWidget, name: str) -> None:
    factor = theme.scale()
    panel = scrolled_panel(page)
    for label in visible(page, QLabel):
        if not label.text():
            continue
        role = label.property("role")
        px = label.font().pixelSize()
        if role != "staff-code":  # the error code, small in a corner, is for the staff
            least = 48 if role in ("heading", "error", "amount", "tile-title") else 32
            # a paged table's cells keep the body size in the elderly mode (theme.py)
            scaled = least if role in ("table", "table-head") else round(least * factor)
            assert px >= scaled, (name, label.text(), px, factor)
        if label.wordWrap():
            assert label.heightForWidth(label.width()) <= label.height() + 1, (name, label.text())
        else:
            assert label.sizeHint().width() <= label.width() + 1, (name, label.text())
        assert inside(page, panel, label), (name, label.text())
        if role in ("alert", "notice"):  # its box: the words never run over the bar
            assert label.contentsMargins().left() >= 12, (name, label.text())
    buttons = visible(page, QPushButton)
    for b in buttons:
        assert b.width() >= 96 and b.height() >= 96, (name, b.text(), b.size())
        assert b.sizeHint().width() <= b.width() + 1, (name, b.text())
        assert inside(page, panel, b), (name, b.text())
    rects = sorted((rect_in(page, b) for b in buttons), key=lambda r: r.x())
    for a, b in itertools.pairwise(rects):
        if a.y() == b.y():
            assert b.x() - a.right() - 1 >= 16, (name, a, b)
    choices = [b for b in buttons
               if b.objectName() not in ("repeat", "cancel", "back", "help", "care")
               and not b.objectName().startswith("key-")]
    assert len(choices) <= 3, name
    # the main (green) choice is the footer's rightmost, on every page the same place
    row = getattr(page, "action_row", None)
    if row is not None:
        footer = [w for w in (row.itemAt(i).widget() for i in range(row.count()))
                  if isinstance(w, QPushButton) and w.isVisible()]
        main = [b for b in footer if b.property("role") == "primary"]
        assert not main or footer[-1] is main[-1], (name, [b.text() for b in footer])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_screen_follows_the_rules(rig: Rig, size: tuple[int, int], lang: str,
                                       care: bool) -> None:
    w, h = size
    rig.shell.resize(w, h)
    for name, page in screens(rig, lang):
        rig.shell.show_screen(page)
        settle()
        assert rig.shell.width() == w and rig.shell.height() == h, name
        check_page(page, name)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_screen_follows_the_rules_in_the_elderly_mode(rig: Rig, lang: str) -> None:
    """关怀模式: every farmer text x1.25, touch targets, gaps and nothing clipped, on every
    screen at 1024x768 (the hardest: the least room for the larger words) and at 1280x800.
    Both sizes, because a layout that fits the small screen is not proof for the large one:
    words wrap at other places, the home's tiles and the keypads size themselves to the width,
    and a page whose panel scrolls at 1024x768 must fit or scroll cleanly at 1280x800 too.
    The pages are built and filled once per size (in the normal mode first, as at start-up,
    then switched) and shown one by one. Where the larger words need more room than a small
    screen has, the panel scrolls (kiosk/shell/page.py PanelScroll): check_page then asks
    for a visible scroll bar and every word inside the panel a finger moves, and scrolling
    to the end brings the last line into view; the screens that scroll are counted, and the
    normal mode never scrolls."""
    try:
        for w, h in ((1024, 768), (1280, 800)):
            theme.set_care_mode(False)
            rig.shell.resize(w, h)
            screens(rig, lang)  # built and filled in the normal mode, as at start-up
            theme.set_care_mode(True)
            scrolling = []
            for name, page in screens(rig, lang):
                rig.shell.show_screen(page)
                settle()
                assert (rig.shell.width(), rig.shell.height()) == (w, h), name
                check_page(page, name)
                if scrolled_panel(page) is not None:
                    scrolling.append(name)
                    scrolls_to_its_last_line(page, name)
            # most screens fit without scrolling; a room that grows past this needs layout work
            assert len(scrolling) <= MAX_SCROLLING_IN_CARE[(w, lang)], (w, lang, scrolling)
    finally:
        theme.set_care_mode(False)


def scrolls_to_its_last_line(page: Any, name: str) -> None:
    """A page whose panel scrolls starts at its top, and scrolling to the end brings its last
    line or picture into view with the panel's bottom edge (e.g. the cost disclosure's card
    the money goes to)."""
    bar = page.scroll.verticalScrollBar()
    viewport = page.scroll.viewport()
    seen = QRect(viewport.mapTo(page, viewport.rect().topLeft()), viewport.size())
    leaves = [w for w in visible(page.panel, QWidget) if not visible(w, QWidget)]
    last = max(leaves, key=lambda w: rect_in(page.panel, w).bottom())
    what = (name, last.objectName() or type(last).__name__)
    assert bar.value() == 0, name  # a page starts at its top
    bar.setValue(bar.maximum())
    settle()
    assert seen.contains(rect_in(page, last)), what
    bottom = rect_in(page, page.panel).bottom()
    assert seen.bottom() - 1 <= bottom <= seen.bottom() + 1, (name, bottom, seen)
    bar.setValue(0)


#: How many of the 106 sample screens may scroll in the elderly mode (measured at landing:
#: zh_CN 0 and en 2 at 1024x768, none at 1280x800; `bench/care_scroll.py` lists them); a
#: ratchet, lower it as rooms get per-room layouts (docs: notes of issue 18 item 3).
MAX_SCROLLING_IN_CARE = {(1024, "zh_CN"): 0, (1024, "en"): 2,
                         (1280, "zh_CN"): 0, (1280, "en"): 0}


@pytest.mark.parametrize("care", [False, True], ids=["normal", "elderly"])
def test_a_keypad_first_shown_in_either_mode_holds_its_keys(rig: Rig, care: bool) -> None:
    """The keys keep their size (>= 96 px, 16 px apart) inside the keypad when it is first
    shown after the mode was switched (the style sheet's button minimum once made the keys
    102 px in a 432 px keypad: the last row was cut off in the elderly mode)."""
    from screens.widgets.keypad import NumberKeypad

    theme.set_care_mode(care)
    keypad = NumberKeypad()
    try:
        keypad.show()
        settle()
        keys = [k for k in keypad.keys.values() if k.isVisibleTo(keypad)]
        assert len(keys) == 12
        for key in keys:
            assert keypad.rect().contains(key.geometry()), (key.objectName(), key.geometry())
            assert key.height() >= 96 and key.width() >= 96, key.objectName()
        rows = sorted({k.geometry().top() for k in keys})
        assert all(b - a >= keys[0].height() + 16 for a, b in itertools.pairwise(rows))
    finally:
        keypad.close()
        keypad.deleteLater()
        theme.set_care_mode(False)


def test_the_registry_gives_the_ux_test_every_identify_screen(rig: Rig) -> None:
    names = {name for name, _ in screens(rig, "zh_CN")}
    assert {"identify/insert_id", "identify/welcome", "identify/enter_pin",
            "identify/reminder", "remove_id"} <= names


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_choose_account_pages_and_retry_screens_follow_the_rules(
        rig: Rig, size: tuple[int, int], lang: str, care: bool) -> None:
    w, h = size
    rig.shell.resize(w, h)
    tr = Translator(lang)
    screens(rig, lang)
    c = rig.identify
    # four accounts: two per screen and 下一页, so never more than three choices
    assert len(c.choose_view.visible_choices()) == 2
    assert c.choose_view.more_button.isVisibleTo(c.choose_view)
    rig.shell.show_screen(c.choose_view)
    c.choose_view.next_page()
    settle()
    assert c.choose_view.visible_choices() == ["3. " + tr("screen.choose_account.quasi_credit"),
                                               "4. APP 6"]
    check_page(c.choose_view, "choose_account page 2")
    c.error_view.show_error(tr, error_info("HOST-PIN-WRONG", tr), retry=True)
    rig.runner.remove_view.show_texts(tr, with_bank_card=True)
    for name, page in (("error_retry", c.error_view), ("remove_cards", rig.runner.remove_view)):
        rig.shell.show_screen(page)
        settle()
        check_page(page, name)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_idle_warning_fits_and_follows_the_rules(rig: Rig, size: tuple[int, int],
                                                 care: bool) -> None:
    rig.shell.resize(*size)
    settle()
    warning = rig.runner.idle_warning
    warning.show_countdown(Translator("zh_CN"), 15)
    settle()
    assert rig.shell.screen_area.rect().contains(warning.geometry())
    check_page(warning, "idle_warning")
    warning.hide()


def test_status_strip_fits_at_1024(rig: Rig) -> None:
    rig.shell.resize(1024, 768)
    settle()
    strip = rig.shell.status_strip
    for label in visible(strip, QLabel):
        if label.objectName() == "place":
            continue  # the terminal id and service point may be cut at the end
        assert label.sizeHint().width() <= label.width() + 1, label.text()
        assert strip.rect().contains(rect_in(strip, label)), label.text()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_status_strip_never_widens_the_window(qtbot: Any, lang: str) -> None:
    from devices.base import DeviceState
    from kiosk.shell.window import ShellWindow

    shell = ShellWindow(Translator(lang), "ZN610425001", "礼泉县烟霞镇助农服务点",
                        ("idcard", "iccard", "printer", "pinpad"))
    qtbot.addWidget(shell)
    for kind in ("idcard", "iccard", "printer", "pinpad"):
        shell.status_strip.set_device_state(kind, DeviceState.HARDWARE_ERROR)
    shell.status_strip.set_staff("孙丽")
    shell.resize(1024, 768)
    shell.show()
    settle()
    assert shell.width() == 1024
    assert shell.minimumSizeHint().width() <= 1024
    strip = shell.status_strip
    for label in visible(strip, QLabel):
        assert strip.rect().contains(rect_in(strip, label)), label.text()
        full = label.full_text() if hasattr(label, "full_text") else label.text()
        if label.objectName() == "place":
            assert label.text() == full or label.text().endswith("…"), label.text()
        else:  # the device, host, staff and clock facts stay whole at 1024 px
            assert label.text() == full, label.text()
