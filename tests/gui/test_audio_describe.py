"""What the audio-guided mode reads from a screen (screens/audio.py describe): no kiosk, no
devices, a screen built from the shell's pieces."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout

from kiosk.shell.attract import ChoiceTile, HomeChoice
from kiosk.shell.page import ScreenPage, make_button, make_label
from screens.audio import AudioChoice, describe, said_figure
from screens.widgets.keypad import NumberKeypad


def page_with(qtbot: Any, *, keypad: bool = False) -> tuple[ScreenPage, dict[str, Any]]:
    page = ScreenPage("probe")
    page.heading.setText("怎么还？")
    page.body.setText("请选一种还法")
    row = QHBoxLayout()
    tiles = {}
    for key, title, enabled in (("a", "每月还一样多", True), ("b", "先多后少", True),
                                ("c", "先还利息", False)):
        tile = ChoiceTile(f"tile-{key}")
        tile.show_choice(HomeChoice(key, title, "note", enabled))
        row.addWidget(tile)
        tiles[key] = tile
    page.content.addLayout(row)
    value = make_label("amount", name="value")
    value.setText("⚠ 30,000 元")
    page.content.addWidget(value)
    if keypad:
        page.content.addWidget(NumberKeypad())
    buttons = {name: page.add_action(make_button(text, primary=(name == "next"), name=name))
               for name, text in (("back", "返回"), ("cancel", "取消"), ("next", "下一步"))}
    page.repeat_button.setText("重听")
    page.set_help_text("求助")
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    qtbot.waitExposed(page)
    return page, {**tiles, **buttons}


def test_choices_in_reading_order_with_the_keys_of_the_pad(qtbot: Any) -> None:
    page, w = page_with(qtbot)
    screen = describe(page)
    assert (screen.heading, screen.body) == ("怎么还？", "请选一种还法")
    # tiles first (top), then the footer left to right; 取消 has its own key, 重听/求助 none
    assert [c.label for c in screen.choices] == ["每月还一样多", "先多后少", "返回", "下一步"]
    assert screen.unavailable == ["先还利息"]  # said, not numbered
    assert screen.confirm is not None and screen.confirm.label == "下一步"
    assert screen.cancel is not None and screen.cancel.label == "取消"
    assert screen.back is not None and screen.back.label == "返回"
    assert screen.entry is None and "30,000 元" in screen.details
    clicked: list[str] = []
    w["b"].clicked.connect(lambda: clicked.append("b"))
    screen.choices[1].activate()
    assert clicked == ["b"]
    w["next"].setEnabled(False)
    screen = describe(page)
    assert screen.confirm is None and "下一步" not in [c.label for c in screen.choices]


def test_a_keypad_makes_it_a_figure_read_back_from_the_shown_value(qtbot: Any) -> None:
    page, _ = page_with(qtbot, keypad=True)
    screen = describe(page)
    assert isinstance(screen.entry, NumberKeypad)
    assert screen.value is not None and said_figure(screen.value.text()) == "30,000 元"
    assert said_figure("139 9123 4567") == "一三九，九一二三，四五六七"  # a phone: digits
    assert said_figure("139 9123 4567", "en") == "1 3 9, 9 1 2 3, 4 5 6 7"
    assert said_figure("—") == ""  # no figure yet: the guide says 空的


def test_a_view_may_declare_its_choices(qtbot: Any) -> None:
    page, _ = page_with(qtbot)
    chosen: list[str] = []
    page.audio_choices = lambda: [AudioChoice("第一笔贷款", lambda: chosen.append("1"), "loan-1")]
    page.audio_details = lambda: ["一行", ""]
    screen = describe(page)
    assert [c.label for c in screen.choices] == ["第一笔贷款"]
    assert screen.details == ["一行"]
    screen.choices[0].activate()
    assert chosen == ["1"]


def test_a_page_waiting_with_only_cancel_has_it_on_the_cancel_key(qtbot: Any) -> None:
    """请先取走原来的银行卡 [取消]: 确认 must not cancel (it is no main action); the step
    signs of a progress line are not said."""
    from kiosk.i18n import Translator
    from screens.widgets.message import MessageView

    view = MessageView("probe_remove", "screen.common.cancel")
    tr = Translator("zh_CN")
    view.show_texts(tr, "请先取走原来的银行卡", "✓ 3月13日 提交申请　○ 下一步：批准")
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    qtbot.waitExposed(view)
    screen = describe(view)
    assert screen.cancel is not None and screen.cancel.label == tr("screen.common.cancel")
    assert screen.confirm is None and screen.choices == []
    assert screen.body == "3月13日 提交申请 下一步：批准"
