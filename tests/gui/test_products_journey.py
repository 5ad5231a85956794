"""Loan products from the host simulator over mutual TLS, kept in the state directory, and
shown from there with their date when the host cannot be reached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from devices.idcard.fake import FakeIdCardReader
from devices.voice.fake import RecordingVoice
from peripherals_sim.bank_host.process import HostProcess
from screens.chart import Outcome

from .conftest import TODAY, Rig, kiosk_config

TERMINAL = "ZN610425001"
PRODUCTS = yaml.safe_load((Path(__file__).resolve().parents[2] / "peripherals_sim" /
                           "bank_host" / "products.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    with HostProcess(tmp_path_factory.mktemp("bank-host")) as sim:
        yield sim


@contextmanager
def kiosk_with_host(qtbot: Any, state_dir: Path, scenario: dict[str, Any], host: HostProcess,
                    *, url: str | None = None) -> Iterator[Rig]:
    from kiosk.app import Kiosk, make_qt_app
    from kiosk.host import HostClient, HostSettings

    make_qt_app("zh_CN")
    t = host.ready["terminals"][TERMINAL]
    client = HostClient(HostSettings(
        url=url or host.url, terminal_id=TERMINAL, ca_file=Path(host.ready["ca_file"]),
        cert_file=Path(t["cert_file"]), key_file=Path(t["key_file"]),
        connect_timeout=2.0, read_timeout=10.0, retry_backoff=0.05))
    voice = RecordingVoice()
    voice.open()
    config = kiosk_config(state_dir, **{"timeouts.idle_seconds": 20.0,
                                        "timeouts.idle_warning_seconds": 5.0})
    kiosk = Kiosk(config, devices={"idcard": FakeIdCardReader(), "host": client},
                  voice_device=voice, remove_prompt=0.2, today=lambda: TODAY)
    qtbot.addWidget(kiosk.shell)
    kiosk.modes.settle()
    kiosk.start(show=True)
    try:
        yield Rig(kiosk, kiosk.devices["idcard"], voice, scenario, qtbot)
    finally:
        kiosk.shutdown()


def views(rig: Rig) -> Any:
    return rig.runner.views_of("products")


def test_products_from_the_host_are_shown_and_kept(qtbot: Any, state_dir: Path,
                                                   demo_scenario: dict[str, Any],
                                                   host: HostProcess) -> None:
    with kiosk_with_host(qtbot, state_dir, demo_scenario, host) as rig:
        qtbot.waitUntil(lambda: rig.kiosk.terminal.host_online, timeout=15000)
        path = rig.kiosk.home.path_to("products")  # at most two touches from the home
        assert len(path) <= 2 and path[-1] == "journey:products"
        rig.start("products")
        rig.wait_screen("products_list", timeout=15000)
        v = views(rig)
        assert not v.list_view.notice.isVisible()  # today's list: no date to say
        seen: list[str] = []
        for _ in range(v.list_view.pages):
            codes = v.list_view.visible_codes()
            assert len(codes) <= 2 and v.list_view.more_button.isVisible()  # 2 + 下一页
            seen += codes
            rig.click(v.list_view.more_button)
        assert seen == [p["code"] for p in PRODUCTS]
        assert "双基联动优农贷" in rig.spoken_texts()[-1]
        while "SJLD" not in v.list_view.visible_codes():
            rig.click(v.list_view.more_button)
        rig.click(v.list_view.tile("SJLD"))
        rig.wait_screen("products_detail")
        lines = {k: label.text() for k, label in v.detail_view.lines.items()}
        assert "5,000 到 300,000 元" in lines["amount"] and "4.35%" in lines["rate"]
        assert "村委推荐" in lines["bring"] and "先多后少" in lines["methods"]
        assert "种养殖农户" in lines["audience"] and "6、12、24、36" in lines["terms"]
        rig.click(v.detail_view.back_button)
        rig.wait_screen("products_list")
        rig.click(v.list_view.back_button)
        assert rig.wait_home() is Outcome.DONE
        kept = json.loads((state_dir / "cache" / "products.json").read_text("utf-8"))
        assert [p["code"] for p in kept["products"]] == seen
        assert (state_dir / "cache" / "products.json").stat().st_mode & 0o077 == 0


def test_host_offline_shows_the_kept_list_with_its_date(qtbot: Any, state_dir: Path,
                                                        demo_scenario: dict[str, Any],
                                                        host: HostProcess) -> None:
    cache = state_dir / "cache" / "products.json"
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps({
        "fetched_at": "2026-02-21T09:30:00",
        "products": [{**p, "rate_label": "x"} for p in PRODUCTS[:3]]}), "utf-8")
    with kiosk_with_host(qtbot, state_dir, demo_scenario, host,
                         url="https://127.0.0.1:9") as rig:
        qtbot.waitUntil(lambda: rig.kiosk.terminal.host_status is not None, timeout=15000)
        assert rig.kiosk.home.can_start("products")  # offline still offers the kept list
        rig.start("products")
        rig.wait_screen("products_list", timeout=15000)
        v = views(rig)
        assert v.list_view.notice.isVisible()
        assert "以下为2月21日的信息" in v.list_view.notice.text()
        assert "二月二十一日" in rig.spoken_texts()[-1]  # the date as it is said
        assert v.list_view.visible_codes() == [p["code"] for p in PRODUCTS[:3]]
        rig.click(v.list_view.back_button)
        assert rig.wait_home() is Outcome.DONE


@pytest.mark.parametrize("kept", ["", "{not json"])
def test_nothing_kept_or_a_damaged_file_says_come_back_later(
        qtbot: Any, state_dir: Path, demo_scenario: dict[str, Any], host: HostProcess,
        kept: str) -> None:
    if kept:
        (state_dir / "cache").mkdir(parents=True)
        (state_dir / "cache" / "products.json").write_text(kept, "utf-8")
    with kiosk_with_host(qtbot, state_dir, demo_scenario, host,
                         url="https://127.0.0.1:9") as rig:
        qtbot.waitUntil(lambda: rig.kiosk.terminal.host_status is not None, timeout=15000)
        rig.start("products")
        rig.wait_screen("products_unavailable", timeout=15000)
        assert "连不上银行" in rig.spoken_texts()[-1]
        session = rig.runner.session
        rig.click(views(rig).unavailable_view.finish_button)
        assert rig.wait_home() is Outcome.FAILED
        assert not session.active
