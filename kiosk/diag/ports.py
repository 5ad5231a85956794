"""``kiosk diag ports [list] [--json] [--udev]``: what is plugged in, for the technician who
fills in kiosk.toml and the udev rules (docs/appliance.md).

- serial ports: ``/sys/class/tty`` entries backed by hardware (a UART, or a USB serial
  adapter with its VID:PID, serial number, port path and ``/dev/serial/by-id`` name);
- USB devices: ``/sys/bus/usb/devices`` (VID:PID, maker, product, serial, class, port path);
- PC/SC readers: by name, from pcscd (the names ``[devices.iccard] reader`` matches);
- the stable names already made by the rules: ``/dev/zhunong/*``.

``--udev`` prints a line per USB serial port for /etc/udev/rules.d/60-zhunong-kiosk-local.rules
(by serial number when the adapter has one, else by port path). Reads sysfs and pcscd only;
opens no port.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from kiosk.diag import emit

ACTIONS = ("list",)
DEFAULT_ACTION = "list"
SYS = Path("/sys")
DEV = Path("/dev")
UART_NONE = "0"  # /sys/class/tty/ttyS*/type of a port with no UART behind it


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def _usb_device_dir(path: Path) -> Path | None:
    """The USB device directory (with idVendor) above a sysfs device path, if any."""
    for p in [path, *path.parents]:
        if (p / "idVendor").exists() and (p / "idProduct").exists():
            return p
        if p.name in ("devices", "sys", "/"):
            break
    return None


def usb_info(d: Path) -> dict[str, Any]:
    info = {
        "vid": _read(d / "idVendor"), "pid": _read(d / "idProduct"),
        "manufacturer": _read(d / "manufacturer"), "product": _read(d / "product"),
        "serial": _read(d / "serial"), "class": _read(d / "bDeviceClass"),
        "port": d.name,
    }
    return {k: v for k, v in info.items() if v is not None}


def _links(directory: Path) -> dict[str, str]:
    """realpath -> link for every symlink in ``directory`` (/dev/serial/by-id ...)."""
    out: dict[str, str] = {}
    if directory.is_dir():
        for link in sorted(directory.iterdir()):
            if link.is_symlink():
                out[os.path.realpath(link)] = str(link)
    return out


def serial_ports(sys_root: Path = SYS, dev_root: Path = DEV) -> list[dict[str, Any]]:
    by_id = _links(dev_root / "serial" / "by-id")
    by_path = _links(dev_root / "serial" / "by-path")
    ports = []
    tty = sys_root / "class" / "tty"
    if not tty.is_dir():
        return ports
    for entry in sorted(tty.iterdir(), key=lambda p: p.name):
        device = entry / "device"
        if not device.exists():
            continue  # virtual consoles, ptys
        name = entry.name
        real = Path(os.path.realpath(device))
        usb = _usb_device_dir(real)
        if usb is None and _read(entry / "type") == UART_NONE:
            continue  # ttyS placeholder without a UART
        node = str(dev_root / name)
        port: dict[str, Any] = {"name": name, "device": node,
                                "driver": Path(os.path.realpath(device / "driver")).name
                                if (device / "driver").exists() else None}
        if usb is not None:
            port["usb"] = usb_info(usb)
            port["interface"] = next((p.name for p in [real, *real.parents]
                                      if ":" in p.name and p != usb), None)
        for key, links in (("by_id", by_id), ("by_path", by_path)):
            if node in links:
                port[key] = links[node]
        ports.append(port)
    return ports


def usb_devices(sys_root: Path = SYS) -> list[dict[str, Any]]:
    base = sys_root / "bus" / "usb" / "devices"
    if not base.is_dir():
        return []
    found = []
    for d in sorted(base.iterdir(), key=lambda p: p.name):
        if ":" in d.name or not (d / "idVendor").exists():
            continue  # interfaces
        info = usb_info(Path(os.path.realpath(d)))
        info["port"] = d.name
        if (d / "bDeviceClass").exists() and info.get("class") == "09":
            info["hub"] = True
        found.append(info)
    return found


def pcsc_readers() -> dict[str, Any]:
    """Reader names from pcscd, or why there are none."""
    try:
        from smartcard.scard import (
            SCARD_S_SUCCESS,
            SCARD_SCOPE_USER,
            SCardEstablishContext,
            SCardGetErrorMessage,
            SCardListReaders,
            SCardReleaseContext,
        )
    except ImportError as exc:
        return {"readers": [], "error": f"pyscard missing: {exc}"}
    rc, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
    if rc != SCARD_S_SUCCESS:
        return {"readers": [], "error": f"pcscd not reachable: {SCardGetErrorMessage(rc)}"}
    try:
        rc, readers = SCardListReaders(ctx, [])
        if rc != SCARD_S_SUCCESS:
            return {"readers": [], "note": SCardGetErrorMessage(rc).strip()}
        return {"readers": list(readers)}
    finally:
        SCardReleaseContext(ctx)


def stable_names(dev_root: Path = DEV) -> dict[str, str]:
    d = dev_root / "zhunong"
    if not d.is_dir():
        return {}
    return {p.name: os.path.realpath(p) for p in sorted(d.iterdir())}


def udev_rule(port: dict[str, Any], name: str = "CHANGE-ME") -> str:
    """A line for /etc/udev/rules.d/60-zhunong-kiosk-local.rules naming ``port`` (the
    package's 70-zhunong-kiosk.rules then makes /dev/zhunong/<name> with the kiosk's group)."""
    usb = port.get("usb")
    tail = f'ENV{{ZHUNONG_DEVICE}}="{name}"'
    if usb is None:
        return f'SUBSYSTEM=="tty", KERNEL=="{port["name"]}", {tail}'
    head = (f'SUBSYSTEM=="tty", ATTRS{{idVendor}}=="{usb.get("vid")}", '
            f'ATTRS{{idProduct}}=="{usb.get("pid")}"')
    if usb.get("serial"):
        return f'{head}, ATTRS{{serial}}=="{usb["serial"]}", {tail}'
    iface = port.get("interface") or usb.get("port")
    return f'{head}, KERNELS=="{iface}", {tail}'  # no serial number: the physical port


def report(sys_root: Path = SYS, dev_root: Path = DEV) -> dict[str, Any]:
    return {"serial_ports": serial_ports(sys_root, dev_root), "usb": usb_devices(sys_root),
            "pcsc": pcsc_readers(), "stable_names": stable_names(dev_root)}


def text(rep: dict[str, Any]) -> str:
    lines = ["serial ports:"]
    for p in rep["serial_ports"]:
        usb = p.get("usb")
        what = (f"USB {usb.get('vid')}:{usb.get('pid')} {usb.get('manufacturer', '')} "
                f"{usb.get('product', '')} serial={usb.get('serial', '-')} port={usb.get('port')}"
                if usb else f"on-board ({p.get('driver')})")
        lines.append(f"  {p['device']:<14} {what.strip()}  {p.get('by_id', '')}".rstrip())
    if not rep["serial_ports"]:
        lines.append("  (none)")
    lines.append("USB devices:")
    for u in rep["usb"]:
        lines.append(f"  {u.get('vid')}:{u.get('pid')}  port {u['port']:<8} "
                     f"{u.get('manufacturer', '')} {u.get('product', '')}"
                     f"{'  serial ' + u['serial'] if u.get('serial') else ''}".rstrip())
    if not rep["usb"]:
        lines.append("  (none)")
    lines.append("PC/SC readers:")
    pcsc = rep["pcsc"]
    why = pcsc.get("error") or pcsc.get("note", "")
    lines += [f"  {r}" for r in pcsc["readers"]] or [f"  (none: {why})"]
    lines.append("stable names (/dev/zhunong):")
    lines += [f"  {k} -> {v}" for k, v in rep["stable_names"].items()] or ["  (none)"]
    return "\n".join(lines)


def run(action: str, args: argparse.Namespace, extra: list[str]) -> int:
    p = argparse.ArgumentParser(prog="kiosk diag ports", add_help=False)
    p.add_argument("--udev", action="store_true")
    p.add_argument("--sys-root", type=Path, default=SYS)
    p.add_argument("--dev-root", type=Path, default=DEV)
    opts, rest = p.parse_known_args(extra)
    if rest:
        from kiosk.diag.common import unexpected_arguments

        return unexpected_arguments("ports", action, rest)
    rep = report(opts.sys_root, opts.dev_root)
    if opts.udev:
        rules = [udev_rule(port) for port in rep["serial_ports"] if "usb" in port]
        if args.json:
            emit(args, {"udev_rules": rules}, "")
        else:
            print("\n".join(rules) if rules else "# no USB serial ports plugged in")
        return 0
    emit(args, rep, text(rep))
    return 0
