"""The design system on the real widgets (issue 18 items 1-3): the PIN pad picture drawn from
the configured layout and colours, the pictures and the progress ring moving only while
shown, the waiting screens saying what they wait for, the header's brand and service point,
icons on the footer buttons, and the elderly mode (关怀模式) switched on the home screen for
one farmer's session."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor

from kiosk.config import PinPadLayoutConfig
from kiosk.i18n import Translator
from kiosk.shell import icons, theme
from kiosk.shell.page import ScreenPage
from screens.widgets.cards import BankCardPicture, IdCardPicture, ReceiptPicture
from screens.widgets.pinpad_picture import PinPadPicture

from .conftest import Rig


def colour_at(widget: Any, point: QPoint) -> str:
    return QColor(widget.grab().toImage().pixel(point)).name().upper()


def test_the_pin_pad_picture_draws_the_configured_layout_and_colours(qtbot: Any) -> None:
    pad = PinPadLayoutConfig(rows=(("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"),
                                   ("cancel", "0", "enter")),
                             enter_colour="#00AA00", cancel_colour="#CC0000")
    picture = PinPadPicture(pad)
    qtbot.addWidget(picture)
    picture.set_translator(Translator("zh_CN"))
    picture.set_loop(0)  # a still: the pulsing ring would cover the key's edge
    keys = {key: rect for key, rect in picture.key_rects().values()}
    assert set(keys) == {*"0123456789", "cancel", "enter"}
    assert keys["enter"].center().x() > keys["0"].center().x() > keys["cancel"].center().x()
    assert keys["1"].center().y() < keys["enter"].center().y()
    # the key faces in the configured colours (a point near the key's corner, off its label)
    for key, colour in (("enter", "#00AA00"), ("cancel", "#CC0000"), ("5", pad.key_colour)):
        corner = keys[key].topLeft().toPoint() + QPoint(6, 6)
        assert colour_at(picture, corner) == colour, key
    assert picture.key_text("enter") == "确认" and picture.key_text("cancel") == "取消"
    assert picture.width() == 3 * 62 + 2 * 10 + 2 * 18  # three keys a row


def test_the_pictures_move_only_while_shown(qtbot: Any) -> None:
    for picture in (IdCardPicture("down"), BankCardPicture("in"), ReceiptPicture(),
                    PinPadPicture()):
        qtbot.addWidget(picture)
        assert not picture.running
        picture.show()
        qtbot.waitUntil(lambda p=picture: p.frames >= 3, timeout=3000)
        assert picture.running
        before = picture.grab().toImage()
        qtbot.waitUntil(lambda p=picture, b=before: p.grab().toImage() != b, timeout=3000)
        picture.hide()
        assert not picture.running
    still = BankCardPicture("")
    qtbot.addWidget(still)
    still.show()
    assert not still.running  # in the reader: nothing to show by motion


def test_a_waiting_screen_turns_a_ring_and_says_what_it_waits_for(qtbot: Any) -> None:
    page = ScreenPage("waiting_sample")
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    page.heading.setText("… 正在查询您的额度")  # the old way of saying "waiting"
    assert page.heading.text() == "正在查询您的额度" and page.is_waiting
    qtbot.waitUntil(lambda: page.waiting.spinner.frames >= 3, timeout=3000)
    page.hide_waiting()
    assert not page.is_waiting and not page.waiting.spinner.running
    page.show_waiting("正在等银行回复")
    assert page.waiting.label.text() == "正在等银行回复" and page.waiting.spinner.running


def test_identify_waits_say_which_device_or_the_host(rig: Rig) -> None:
    tr = Translator("zh_CN")
    views = rig.identify
    views.reading_view.show_texts(tr)
    views.reading_bank_view.show_texts(tr)
    views.verifying_view.show_texts(tr)
    assert views.reading_view.waiting.label.text() == tr("wait.idcard")
    assert views.reading_bank_view.waiting.label.text() == tr("wait.iccard")
    assert views.verifying_view.waiting.label.text() == tr("wait.host")
    assert "…" not in views.verifying_view.heading.text()


def test_the_header_shows_the_brand_the_service_point_and_footer_icons(rig: Rig) -> None:
    strip = rig.shell.status_strip
    rig.shell.resize(1280, 800)
    rig.shell.show_screen(rig.shell.attract)
    rig.qtbot.waitUntil(lambda: strip.brand.isVisible(), timeout=3000)
    assert strip.brand.text() == "助农E终端"
    assert strip.place.full_text().startswith("礼泉县烟霞镇助农服务点")
    assert icons.loaded() and strip.logo.pixmap() is not None and not strip.logo.pixmap().isNull()
    page = rig.shell.attract
    for button in (page.repeat_button, page.help_button, page.care_button):
        assert not button.icon().isNull(), button.objectName()
        assert button.text()  # never an icon alone


def test_the_elderly_mode_is_kept_for_one_farmers_session(rig: Rig) -> None:
    attract = rig.shell.attract
    heading_px = attract.heading.font().pixelSize()
    assert not theme.care_mode()
    rig.click(attract.care_button)
    try:
        assert theme.care_mode() and attract.care_button.isChecked()
        rig.qtbot.waitUntil(lambda: attract.heading.font().pixelSize() > heading_px,
                            timeout=3000)
        assert attract.heading.font().pixelSize() == round(theme.HEADING_PX * 1.25)
        assert rig.voice.rates[-1] == rig.kiosk.config.voice.care_rate  # said slower
        assert rig.spoken_texts()[-1] == Translator("zh_CN")("care.on")
        rig.start("calculator")
        rig.wait_screen("calc_amount")
        calc = rig.runner.views_of("calculator").amount_view
        assert theme.care_mode()  # kept through the farmer's journey
        assert calc.heading.font().pixelSize() == round(theme.HEADING_PX * 1.25)
        rig.kiosk.voice.speak("screen.common.repeat", Translator("zh_CN"))
        assert rig.voice.rates[-1] == rig.kiosk.config.voice.care_rate
        rig.click(calc.cancel_button)
        rig.wait_home()
        # the session is over: the next farmer gets the normal mode
        assert not theme.care_mode() and not attract.care_button.isChecked()
        rig.qtbot.waitUntil(lambda: attract.heading.font().pixelSize() == heading_px,
                            timeout=3000)
        rig.kiosk.voice.speak("screen.common.repeat", Translator("zh_CN"))
        assert rig.voice.rates[-1] == rig.kiosk.config.voice.rate
    finally:
        theme.set_care_mode(False)
