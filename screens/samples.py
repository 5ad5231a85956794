"""Every farmer screen filled with the longest texts it can get: the home (as in a session,
with a degraded-service banner), the group screen, each registered journey's
``sample_screens`` and the runner's card-return screen.

Used by the UX-rules test (tests/gui/test_ux_rules.py) and the screenshot gallery
(bench/gallery.py). Not imported by the product.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from kiosk.i18n import Translator
from kiosk.modes import Mode


def sample_pages(kiosk: Any, lang: str) -> list[tuple[str, QWidget]]:
    """``[(name, page)]`` of a built :class:`kiosk.app.Kiosk` (its shell, home and runner)."""
    from kiosk.shell.attract import HomeChoice
    from screens.journeys import _load, journeys

    tr = Translator(lang)
    shell, home, runner = kiosk.shell, kiosk.home, kiosk.runner
    found: list[tuple[str, QWidget]] = []
    # the longest notes a tile can get: what a service needs, and why it cannot be done now
    choices = [HomeChoice("group:borrow", tr("home.group.borrow"), tr("home.needs.id_bank_pin")),
               HomeChoice("group:repay", tr("home.group.repay"), tr(
                   "home.unavailable", reason=tr("terminal.why.not_signed_in")), False),
               HomeChoice("group:calculate", tr("home.group.calculate"),
                          tr("home.needs.nothing"))]
    shell.attract.retranslate(tr)
    shell.attract.set_choices(choices)
    shell.attract.set_greeting("欧**华")
    shell.attract.set_mode(Mode.DEGRADED, tr("terminal.why.paper_out"))
    found.append(("home_in_session", shell.attract))
    home.group_view.show_group(tr, tr("home.group.borrow"), choices)
    found.append(("home_group", home.group_view))
    for name, spec in sorted(journeys().items()):
        if not spec.samples:
            raise AssertionError(f"journey {name} has no sample screens for the UX rules")
        views = runner.views_of(name)
        found.extend((f"{name}/{screen}", page) for screen, page in _load(spec.samples)(views, tr))
    runner.remove_view.show_texts(tr)
    found.append(("remove_id", runner.remove_view))
    for _, page in found:  # dressed as runner.show dresses a page: 求助 beside 重听
        if hasattr(page, "set_help_text"):
            page.set_help_text(tr("screen.common.help"))
    return found
