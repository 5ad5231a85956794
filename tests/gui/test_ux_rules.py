"""适老化 rules checked on the real widgets at 1280x800 and 1024x768: text sizes, touch
targets and gaps, at most three choices plus cancel, nothing clipped, contrast >= 7:1."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QRect
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from kiosk.errors import error_info
from kiosk.i18n import Translator
from kiosk.modes import Mode
from kiosk.shell import theme

from .conftest import Rig

SIZES = [(1280, 800), (1024, 768)]


def test_theme_text_colours_have_at_least_7_to_1_contrast() -> None:
    for name, (fg, bg) in theme.TEXT_PAIRS.items():
        assert theme.contrast(fg, bg) >= 7.0, name


def screens(rig: Rig, lang: str) -> list[tuple[str, QWidget]]:
    """Every screen of every registered journey (screens/journeys/*, their ``samples``) with
    the longest texts it can get, plus the runner's own screens and the home screen."""
    from kiosk.shell.attract import HomeChoice
    from screens.journeys import _load, journeys

    tr = Translator(lang)
    found: list[tuple[str, QWidget]] = []
    home = rig.kiosk.home
    # the longest notes a tile can get: what a service needs, and why it cannot be done now
    choices = [HomeChoice("group:borrow", tr("home.group.borrow"), tr("home.needs.id_bank_pin")),
               HomeChoice("group:repay", tr("home.group.repay"), tr(
                   "home.unavailable", reason=tr("terminal.why.not_signed_in")), False),
               HomeChoice("group:calculate", tr("home.group.calculate"),
                          tr("home.needs.nothing"))]
    rig.shell.attract.set_choices(choices)
    rig.shell.attract.set_greeting("欧**华")
    rig.shell.attract.set_mode(Mode.DEGRADED, tr("terminal.why.paper_out"))
    found.append(("home_in_session", rig.shell.attract))
    home.group_view.show_group(tr, tr("home.group.borrow"), choices)
    found.append(("home_group", home.group_view))
    for name, spec in sorted(journeys().items()):
        assert spec.samples, f"journey {name} has no sample screens for the UX rules"
        views = rig.runner.views_of(name)
        found.extend((f"{name}/{screen}", page) for screen, page in _load(spec.samples)(views, tr))
    rig.runner.remove_view.show_texts(tr)
    found.append(("remove_id", rig.runner.remove_view))
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_home_screen_as_built_from_the_registry_follows_the_rules(
        rig: Rig, size: tuple[int, int], lang: str) -> None:
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


def check_page(page: QWidget, name: str) -> None:
    for label in visible(page, QLabel):
        if not label.text():
            continue
        role = label.property("role")
        px = label.font().pixelSize()
        if role != "staff-code":  # the error code, small in a corner, is for the staff
            assert px >= (48 if role in ("heading", "error") else 32), (name, label.text(), px)
        if label.wordWrap():
            assert label.heightForWidth(label.width()) <= label.height() + 1, (name, label.text())
        else:
            assert label.sizeHint().width() <= label.width() + 1, (name, label.text())
        assert page.rect().contains(rect_in(page, label)), (name, label.text())
    buttons = visible(page, QPushButton)
    for b in buttons:
        assert b.width() >= 96 and b.height() >= 96, (name, b.text(), b.size())
        assert b.sizeHint().width() <= b.width() + 1, (name, b.text())
        assert page.rect().contains(rect_in(page, b)), (name, b.text())
    rects = sorted((rect_in(page, b) for b in buttons), key=lambda r: r.x())
    for a, b in itertools.pairwise(rects):
        if a.y() == b.y():
            assert b.x() - a.right() - 1 >= 16, (name, a, b)
    choices = [b for b in buttons
               if b.objectName() not in ("repeat", "cancel", "back", "help")
               and not b.objectName().startswith("key-")]
    assert len(choices) <= 3, name


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_screen_follows_the_rules(rig: Rig, size: tuple[int, int], lang: str) -> None:
    w, h = size
    rig.shell.resize(w, h)
    for name, page in screens(rig, lang):
        rig.shell.show_screen(page)
        settle()
        assert rig.shell.width() == w and rig.shell.height() == h, name
        check_page(page, name)


def test_the_registry_gives_the_ux_test_every_identify_screen(rig: Rig) -> None:
    names = {name for name, _ in screens(rig, "zh_CN")}
    assert {"identify/insert_id", "identify/welcome", "identify/enter_pin",
            "identify/reminder", "remove_id"} <= names


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_choose_account_pages_and_retry_screens_follow_the_rules(
        rig: Rig, size: tuple[int, int], lang: str) -> None:
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
def test_idle_warning_fits_and_follows_the_rules(rig: Rig, size: tuple[int, int]) -> None:
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
