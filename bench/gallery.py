"""Screenshots of every farmer screen (screens/samples.py) as offscreen PNGs, in normal and
elderly (关怀模式) mode, for looking at them side by side.

    .venv/bin/python bench/gallery.py OUT_DIR [--size 1280x800] [--lang zh_CN] [--care]
        [--only home_in_session,identify/insert_bank]

A development tool: a kiosk with the recording voice and a fake ID card reader, no
simulators. Files: OUT_DIR/<lang>-<w>x<h>[-care]/<screen>.png ('/' in names becomes '__').
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def build_kiosk(state_dir: Path, size: tuple[int, int], lang: str) -> object:
    from devices.idcard.fake import FakeIdCardReader
    from devices.voice.fake import RecordingVoice
    from kiosk.app import Kiosk, make_qt_app
    from kiosk.config import load_config

    make_qt_app(lang)
    config = load_config(None, env={}, overrides={
        "sim": False, "state_dir": str(state_dir), "language": lang, "voice.backend": "fake",
        "ui.fullscreen": False, "ui.width": size[0], "ui.height": size[1]})
    voice = RecordingVoice()
    voice.open()
    kiosk = Kiosk(config, devices={"idcard": FakeIdCardReader()}, voice_device=voice,
                  today=lambda: dt.date(2026, 11, 28))
    kiosk.modes.settle()
    kiosk.start(show=True)
    return kiosk


def settle() -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QCoreApplication.processEvents()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--lang", default="zh_CN")
    ap.add_argument("--care", action="store_true", help="elderly mode (关怀模式)")
    ap.add_argument("--only", default="", help="comma-separated screen names")
    args = ap.parse_args(argv)
    w, h = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        kiosk = build_kiosk(Path(tmp), (w, h), args.lang)
        from screens.samples import sample_pages

        if args.care:
            from kiosk.shell import theme

            theme.set_care_mode(True)
        shell = kiosk.shell  # type: ignore[attr-defined]
        shell.resize(w, h)
        folder = args.out / f"{args.lang}-{w}x{h}{'-care' if args.care else ''}"
        folder.mkdir(parents=True, exist_ok=True)
        only = {s for s in args.only.split(",") if s}
        pages = sample_pages(kiosk, args.lang)
        for name, page in pages:
            if only and name not in only:
                continue
            shell.show_screen(page)
            settle()
            if (shell.width(), shell.height()) != (w, h):
                print(f"TOO BIG {name}: {shell.width()}x{shell.height()}")
                shell.resize(w, h)
            shell.grab().save(str(folder / (name.replace("/", "__") + ".png")))
        print(f"{len(pages)} screens -> {folder}")
        kiosk.shutdown()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
