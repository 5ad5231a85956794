"""The card-return screen of the runner: 请取走您的身份证 / 请取走银行卡和身份证."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.shell import theme
from kiosk.shell.page import ScreenPage
from screens.widgets.cards import BankCardPicture, IdCardPicture


class RemoveCardView(ScreenPage):
    """请取走您的身份证."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("remove_id", parent)
        pictures = QHBoxLayout()
        pictures.setSpacing(theme.GAP_PX * 2)
        pictures.addStretch(1)
        self.bank_picture = BankCardPicture(arrow="out")
        self.bank_picture.hide()
        pictures.addWidget(self.bank_picture)
        self.picture = IdCardPicture(arrow="up")
        pictures.addWidget(self.picture)
        pictures.addStretch(1)
        self.content.addLayout(pictures)

    def show_texts(self, tr: Translator, *, with_bank_card: bool = False) -> None:
        self.bank_picture.setVisible(with_bank_card)
        if with_bank_card:
            self.heading.setText(tr("screen.remove_cards.title"))
            self.body.setText(tr("screen.remove_cards.body"))
        else:
            self.heading.setText(tr("screen.remove_id.title"))
            self.body.setText(tr("screen.remove_id.body"))
        self.repeat_button.setText(tr("screen.common.repeat"))
