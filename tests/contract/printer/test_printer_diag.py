"""``kiosk diag printer status|test-print`` against the simulator, the fake and a file."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main
from kiosk.simcontrol.printer import HttpPrinterControl


def diag(capsys, *args: str) -> tuple[int, dict]:
    rc = main(["diag", "printer", *args, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    return rc, json.loads(out[-1]) if out else {}


@pytest.fixture()
def control(printer_sim):
    c = HttpPrinterControl(printer_sim.control)
    c.clear_fault()
    yield c
    c.clear_fault()


def test_status_of_a_ready_printer(capsys, printer_sim, control):
    rc, obj = diag(capsys, "status", "--url", printer_sim.url)
    assert rc == 0
    assert (obj["device"], obj["paper"], obj["cover"], obj["ready"]) == (
        "online", "ok", "closed", True)


def test_status_paper_out_exits_2_with_the_error(capsys, printer_sim, control):
    control.set_fault("paper_out")
    rc, obj = diag(capsys, "status", "--url", printer_sim.url)
    assert rc == 2
    assert (obj["completion"], obj["error"], obj["paper"]) == (
        "deviceNotReady", "paper_out", "out")


def test_status_of_a_silent_printer_is_no_answer_not_paper_out(capsys, printer_sim, control):
    control.set_fault("silent")
    rc, obj = diag(capsys, "status", "--url", printer_sim.url)
    assert rc == 2
    assert (obj["completion"], obj["error"], obj["paper"], obj["device"]) == (
        "timeout", "no_answer", "unknown", "unknown")


def test_test_print_reaches_the_paper(capsys, printer_sim, control):
    before = len(control.receipts())
    rc, obj = diag(capsys, "test-print", "--url", printer_sim.url)
    assert rc == 0 and obj["printed"] and obj["confirmed"]
    receipts = control.receipts()
    assert len(receipts) == before + 1
    text = control.receipt_text(receipts[-1]["n"])
    assert "打印测试页" in text and "䶮" in text and "￥1,234.50" in text


def test_test_print_in_english_on_the_fake(capsys):
    rc, obj = diag(capsys, "test-print", "--backend", "fake", "--lang", "en")
    assert rc == 0 and obj["confirmed"]


def test_file_backend_writes_the_bytes_and_never_claims_confirmation(capsys, tmp_path):
    path = tmp_path / "lp0"
    rc, obj = diag(capsys, "test-print", "--url", f"file:{path}")
    assert rc == 0 and obj["printed"] and not obj["confirmed"]
    data = path.read_bytes()
    assert data.startswith(b"\x1b@") and b"\x1c&" in data
    rc, obj = diag(capsys, "status", "--url", f"file:{path}")
    assert rc == 0 and obj["status_supported"] is False and obj["paper"] == "unknown"


def test_unreachable_printer_and_bad_usage(capsys):
    rc, obj = diag(capsys, "status", "--url", "tcp://127.0.0.1:1")
    assert rc == 2 and obj["error"] == "not_connected"
    assert main(["diag", "printer", "selftest"]) == 64
    assert main(["diag", "printer", "status", "--backend", "fake", "--profile", "nope"]) == 64


@pytest.mark.parametrize("url", ["tcp://127.0.0.1:abc", "tcp://127.0.0.1:70000", "tcp://:9100",
                                 "usb://0416", "usb://zz16:5011", "usb://0416:5011:9"])
def test_a_bad_address_is_a_usage_error(capsys, url):
    rc = main(["diag", "printer", "status", "--url", url])
    err = capsys.readouterr().err
    assert rc == 64, err
    assert "bad" in err and url.split("//")[1].split(":")[0] in err


def test_usb_printer_not_plugged_in_is_a_clear_error_naming_it(capsys):
    """The real pyusb + libusb path (README's example address): no such device on this bus."""
    import usb.core

    if usb.core.find(idVendor=0x0416, idProduct=0x5011) is not None:
        pytest.skip("a 0416:5011 printer is plugged in")
    rc, obj = diag(capsys, "status", "--url", "usb://0416:5011")
    assert rc == 2
    assert obj["error"] == "not_connected"
    assert "no USB printer usb://0416:5011 found" in obj["detail"]
    assert "requires a usb library" not in obj["detail"]
