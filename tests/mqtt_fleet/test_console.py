"""The operations console (``kiosk-fleet serve``) in headless Chromium from Debian (selenium +
chromium-driver), against a real Mosquitto: sign-in, the terminal list sorted and filtered, a
terminal's detail with its sparkline, the alerts; the printer simulator running out of paper
under a running kiosk raises an alert through the real telemetry path; a remote screenshot and
out-of-service sent from the console with confirmation, answered and audited."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet.store import Store
from peripherals_sim.broker.mosquitto import Mosquitto
from peripherals_sim.process import read_ready_line

OPERATOR, PASSWORD = "op.li", "desk-password-1"
CHROMIUM = "/usr/lib/chromium/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(os.environ.get("KIOSK_FLEET_SHOTS", "")) if os.environ.get(
    "KIOSK_FLEET_SHOTS") else None


def start_console(broker: Mosquitto, state: Path, *extra: str) -> tuple[subprocess.Popen[bytes],
                                                                        str]:
    Store(state / "fleet.sqlite3").add_operator(OPERATOR, PASSWORD)
    proc = subprocess.Popen(
        [sys.executable, "-m", "fleet", "serve", "--state-dir", str(state), "--broker",
         broker.url, "--pki", str(broker.state_dir), *extra],
        stdout=subprocess.PIPE, stderr=(state / "console.err").open("wb"),
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = read_ready_line(proc, 30)
    return proc, str(line["url"])


@pytest.fixture()
def console(broker: Mosquitto, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    state = tmp_path / "console"
    state.mkdir()
    proc, url = start_console(broker, state)
    try:
        yield url, state
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture()
def browser() -> Iterator[Any]:
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip("chromium / chromium-driver are not installed (apt-get install chromium "
                    "chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="fleet-chromium-")
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}"):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
    d.set_window_rect(0, 0, 1280, 1000)
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shot(d: Any, name: str, tmp_path: Path) -> Path:
    """A full-page PNG (into $KIOSK_FLEET_SHOTS when set, to be looked at)."""
    height = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_rect(0, 0, 1280, min(max(int(height) + 120, 600), 4000))
    path = (SHOTS or tmp_path) / f"fleet-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(path))
    d.set_window_rect(0, 0, 1280, 1000)
    return path


def follow(d: Any, element_id: str) -> None:
    """Click a link or a submit button and wait until the browser has left the page (reading
    the next page's elements at once could still find the old page's: stale elements)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    page = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.ID, element_id).click()
    WebDriverWait(d, 15).until(expected_conditions.staleness_of(page))


def sign_in(d: Any, url: str) -> None:
    from selenium.webdriver.common.by import By

    d.get(url + "/")
    assert "/login" in d.current_url
    d.find_element(By.ID, "name").send_keys(OPERATOR)
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    follow(d, "signin")
    assert d.current_url.rstrip("/") == url


def stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "/api/stats", timeout=5) as r:
        return dict(json.loads(r.read()))


def wait(pred: Any, timeout: float = 20.0, step: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        if step is not None:
            step()
        else:
            time.sleep(0.1)


def test_console_pages_in_chromium(broker: Mosquitto, console: tuple[str, Path], browser: Any,
                                   tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    url, state = console
    sim = subprocess.run(
        [sys.executable, "-m", "fleet", "simulate", "--terminals", "30", "--interval", "1",
         "--duration", "3.5", "--events-per-hour", "0", "--broker", broker.url, "--pki",
         str(broker.state_dir)], capture_output=True, timeout=120, check=True)
    result = json.loads(sim.stdout.decode().strip().splitlines()[-1])
    assert result["connected"] == 30 and result["heartbeats"] >= 60
    wait(lambda: stats(url)["heartbeats"] >= result["heartbeats"])
    d = browser
    # a wrong password is refused (and audited)
    d.get(url + "/login")
    d.find_element(By.ID, "name").send_keys(OPERATOR)
    d.find_element(By.ID, "password").send_keys("wrong-password")
    follow(d, "signin")
    assert "用户名或密码不正确" in d.page_source
    sign_in(d, url)
    rows = d.find_elements(By.CSS_SELECTOR, "#terminals tr[data-tid]")
    assert len(rows) == 30 and "共 30 台" in d.page_source
    assert rows[0].get_attribute("data-tid") == "SIM00000"
    shot(d, "list", tmp_path)
    follow(d, "sort-tid")  # again: descending
    assert d.find_elements(By.CSS_SELECTOR, "#terminals tr[data-tid]")[0].get_attribute(
        "data-tid") == "SIM00029"
    follow(d, "sort-paper")
    papers = [r.find_elements(By.TAG_NAME, "td")[3].text
              for r in d.find_elements(By.CSS_SELECTOR, "#terminals tr[data-tid]")]
    order = {"缺纸": 2, "将用完": 1, "正常": 0}  # sorted by the stored value: near_end < ok < out
    raw = [{"将用完": "near_end", "正常": "ok", "缺纸": "out"}[p] for p in papers]
    assert raw == sorted(raw) and set(order) >= set(papers)
    q = d.find_element(By.ID, "q")
    q.clear()
    q.send_keys("SIM0001")
    follow(d, "apply")
    tids = [r.get_attribute("data-tid")
            for r in d.find_elements(By.CSS_SELECTOR, "#terminals tr[data-tid]")]
    assert sorted(tids) == [f"SIM000{n}" for n in range(10, 20)]
    d.get(url + "/t/SIM00003")
    assert "终端 SIM00003" in d.page_source
    assert d.find_elements(By.CSS_SELECTOR, "svg polyline")  # the heartbeat sparkline
    assert "模拟服务点 SIM00003" in d.find_element(By.ID, "info").text
    assert "printer" in d.find_element(By.ID, "devices").text
    shot(d, "detail", tmp_path)
    d.get(url + "/alerts")
    assert d.find_element(By.ID, "open-alerts")
    d.get(url + "/?lang=en")
    assert "30 terminals" in d.page_source  # the second language from the catalogs
    audit = [json.loads(line) for line in
             (state / "audit" / "audit.jsonl").read_text().splitlines()]
    assert [a["action"] for a in audit] == ["console.sign_in_failed", "console.sign_in"]


def test_paper_out_alert_and_remote_actions(broker: Mosquitto, console: tuple[str, Path],
                                            browser: Any, qtbot: Any, state_dir: Path,
                                            tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    from devices.idcard.fake import FakeIdCardReader
    from devices.printer.escpos_driver import EscposReceiptPrinter
    from devices.voice.fake import RecordingVoice
    from kiosk.app import Kiosk, make_qt_app
    from kiosk.telemetry.appwire import KioskTelemetry
    from kiosk.telemetry.client import TelemetrySettings
    from peripherals_sim.process import SimulatorProcess
    from tests.gui.conftest import kiosk_config
    from tests.mqtt_fleet.conftest import endpoint

    url, state = console
    tid = "ZN0001"
    out = tmp_path / "receipts"
    with SimulatorProcess("printer", ["--listen", "tcp://127.0.0.1:0", "--out", str(out),
                                      "--control", "0"]) as printer_sim:
        make_qt_app("zh_CN")
        voice = RecordingVoice()
        voice.open()
        kiosk = Kiosk(kiosk_config(state_dir), devices={
            "idcard": FakeIdCardReader(), "printer": EscposReceiptPrinter(printer_sim.url)},
            voice_device=voice)
        qtbot.addWidget(kiosk.shell)
        kiosk.modes.settle()
        kiosk.start(show=True)
        for w in kiosk.workers.values():
            w.probe_interval = 0.5  # the printer's paper sensor read twice a second
        settings = TelemetrySettings(tid, "礼泉县烟霞镇助农服务点", endpoint(broker, tid),
                                     command_key=broker.pki.command_pub, heartbeat_seconds=2,
                                     reconnect_min=0.2, reconnect_max=0.5)
        tel = KioskTelemetry(kiosk, settings).start()
        d = browser

        def pump() -> None:
            qtbot.wait(100)

        try:
            wait(lambda: stats(url)["terminals"] >= 1, step=pump)
            wait(lambda: tel._devices.get("printer", {}).get("paper") == "ok", step=pump)
            sign_in(d, url)
            row = d.find_element(By.CSS_SELECTOR, f'#terminals tr[data-tid="{tid}"]')
            assert "礼泉县烟霞镇助农服务点" in row.text
            # the printer simulator runs out of paper (its control API)
            req = urllib.request.Request(printer_sim.control + "/fault", method="POST",
                                         data=json.dumps({"kind": "paper_out"}).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=5).read()

            def alert_shown() -> bool:
                d.get(url + "/alerts")
                return bool(d.find_elements(
                    By.CSS_SELECTOR, f'#open-alerts tr[data-kind="paper_out"][data-tid="{tid}"]'))

            wait(alert_shown, timeout=30, step=pump)
            assert "打印机缺纸，请安排换纸" in d.find_element(By.ID, "open-alerts").text
            shot(d, "alerts", tmp_path)
            d.get(url + "/")
            assert "缺纸" in d.find_element(By.CSS_SELECTOR,
                                           f'#terminals tr[data-tid="{tid}"]').text

            def run_action(cmd: str, **fields: str) -> None:
                d.get(f"{url}/t/{tid}")
                follow(d, f"act-{cmd}")
                assert "确定要对终端" in d.page_source  # the confirmation step
                for k, v in fields.items():
                    d.find_element(By.ID, k).send_keys(v)
                follow(d, "confirm")
                assert "/actions/" in d.current_url
                page = d.current_url

                def answered() -> bool:
                    d.get(page)
                    return "等待终端回复" not in d.find_element(By.ID, "state").text

                wait(answered, timeout=20, step=pump)

            run_action("screenshot")
            assert d.find_element(By.ID, "state").text == "终端已执行"
            img = d.find_element(By.ID, "shot")
            assert d.execute_script("return arguments[0].naturalWidth", img) == \
                kiosk.shell.width()
            shot(d, "screenshot", tmp_path)
            run_action("out_of_service", reason="换纸")
            assert d.find_element(By.ID, "state").text == "终端已执行"
            qtbot.waitUntil(lambda: kiosk.modes.mode.value == "outOfService", timeout=5000)
            wait(lambda: (d.get(url + "/"), "暂停服务" in d.find_element(
                By.CSS_SELECTOR, f'#terminals tr[data-tid="{tid}"]').text)[1], step=pump)
            console_audit = [json.loads(line)["action"] for line in
                             (state / "audit" / "audit.jsonl").read_text().splitlines()]
            assert console_audit == ["console.sign_in", "console.screenshot",
                                     "console.out_of_service"]
            terminal_audit = [json.loads(line)["action"] for line in
                              (state_dir / "audit" / "audit.jsonl").read_text().splitlines()]
            assert terminal_audit == ["remote.screenshot", "remote.out_of_service"]
        finally:
            tel.stop()
            kiosk.shutdown()
