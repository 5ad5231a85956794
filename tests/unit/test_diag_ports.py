"""``kiosk diag ports``: serial ports, USB devices (VID:PID, serial, port), udev rule lines.

This machine has no USB bus, so the USB cases read a sysfs tree laid out as the kernel lays it
out for two adapters (an FTDI with a serial number, a CH340 without one); the on-board UARTs
come from the real /sys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kiosk.diag.ports import serial_ports, udev_rule, usb_devices


def _attrs(d: Path, **values: str) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for k, v in values.items():
        (d / k).write_text(v + "\n")


def fake_sysfs(root: Path) -> tuple[Path, Path]:
    sys_root, dev_root = root / "sys", root / "dev"
    devices = sys_root / "devices" / "pci0000:00" / "0000:00:14.0" / "usb1"
    ftdi = devices / "1-2"
    _attrs(ftdi, idVendor="0403", idProduct="6001", serial="A10K3Z9Q", manufacturer="FTDI",
           product="FT232R USB UART", bDeviceClass="00")
    ch340 = devices / "1-3"
    _attrs(ch340, idVendor="1a86", idProduct="7523", product="USB Serial", bDeviceClass="ff")
    hub = devices
    _attrs(hub, idVendor="1d6b", idProduct="0002", bDeviceClass="09")
    tty_class = sys_root / "class" / "tty"
    tty_class.mkdir(parents=True)
    bus = sys_root / "bus" / "usb" / "devices"
    bus.mkdir(parents=True)
    for name, dev in (("usb1", hub), ("1-2", ftdi), ("1-3", ch340)):
        (bus / name).symlink_to(dev)
    for tty, dev in (("ttyUSB0", ftdi), ("ttyUSB1", ch340)):
        iface = dev / f"{dev.name}:1.0"
        node = iface / tty
        node.mkdir(parents=True)
        (bus / iface.name).symlink_to(iface)
        (tty_class / tty).mkdir()
        (tty_class / tty / "device").symlink_to(node)
    (tty_class / "ttyS3").mkdir()  # a placeholder port without a UART
    plat = sys_root / "devices" / "platform" / "serial8250" / "ttyS3"
    plat.mkdir(parents=True)
    (tty_class / "ttyS3" / "device").symlink_to(plat)
    (tty_class / "ttyS3" / "type").write_text("0\n")
    (tty_class / "tty1").mkdir()  # a virtual console: no device
    by_id = dev_root / "serial" / "by-id"
    by_id.mkdir(parents=True)
    (by_id / "usb-FTDI_FT232R_USB_UART_A10K3Z9Q-if00-port0").symlink_to(dev_root / "ttyUSB0")
    return sys_root, dev_root


def test_usb_serial_ports_with_ids_serials_and_by_id_names(tmp_path: Path) -> None:
    sys_root, dev_root = fake_sysfs(tmp_path)
    ports = {p["name"]: p for p in serial_ports(sys_root, dev_root)}
    assert set(ports) == {"ttyUSB0", "ttyUSB1"}  # no ttyS placeholder, no console
    assert ports["ttyUSB0"]["usb"]["serial"] == "A10K3Z9Q"
    assert ports["ttyUSB0"]["by_id"].endswith("A10K3Z9Q-if00-port0")
    assert (ports["ttyUSB1"]["usb"]["vid"], ports["ttyUSB1"]["usb"]["pid"]) == ("1a86", "7523")
    assert "serial" not in ports["ttyUSB1"]["usb"]
    usb = {u["port"]: u for u in usb_devices(sys_root)}
    assert set(usb) == {"usb1", "1-2", "1-3"} and usb["usb1"].get("hub") is True


def test_udev_rules_by_serial_or_by_port(tmp_path: Path) -> None:
    sys_root, dev_root = fake_sysfs(tmp_path)
    ports = {p["name"]: p for p in serial_ports(sys_root, dev_root)}
    assert udev_rule(ports["ttyUSB0"], "idcard") == (
        'SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", '
        'ATTRS{serial}=="A10K3Z9Q", ENV{ZHUNONG_DEVICE}="idcard"')
    assert 'KERNELS=="1-3:1.0"' in udev_rule(ports["ttyUSB1"], "pinpad")


def test_cli_lists_the_real_machine_and_prints_udev_lines(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "kiosk", "diag", "ports", "--json"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    uarts = sorted(p.name for p in Path("/sys/class/tty").glob("ttyS*")
                   if (p / "type").exists() and (p / "type").read_text().strip() != "0")
    assert sorted(p["name"] for p in rep["serial_ports"] if "usb" not in p) == uarts
    assert set(rep) == {"serial_ports", "usb", "pcsc", "stable_names"}
    sys_root, dev_root = fake_sysfs(tmp_path)
    res = subprocess.run([sys.executable, "-m", "kiosk", "diag", "ports", "--udev",
                          "--sys-root", str(sys_root), "--dev-root", str(dev_root)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 2 and all('ENV{ZHUNONG_DEVICE}="CHANGE-ME"' in line for line in lines)
