"""Which farmer screens (screens/samples.py) scroll in the elderly mode (关怀模式), and by
how many px, as tests/gui/test_ux_rules.py counts them (MAX_SCROLLING_IN_CARE).

    .venv/bin/python bench/care_scroll.py [--size 1024x768] [--lang zh_CN,en]

A development tool (offscreen, the recording voice, a fake ID card reader). Prints one line
per scrolling screen: its name and how many px its panel is taller than the room.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gallery import build_kiosk, settle  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1024x768")
    ap.add_argument("--lang", default="zh_CN,en")
    ap.add_argument("--panels", type=Path, default=None,
                    help="save each scrolling screen's whole panel as DIR/<lang>/<screen>.png")
    args = ap.parse_args(argv)
    w, h = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        kiosk = build_kiosk(Path(tmp), (w, h), "zh_CN")
        from kiosk.shell import theme
        from screens.samples import sample_pages

        shell = kiosk.shell  # type: ignore[attr-defined]
        for lang in args.lang.split(","):
            theme.set_care_mode(False)
            shell.resize(w, h)
            sample_pages(kiosk, lang)  # built and filled in the normal mode, as at start-up
            theme.set_care_mode(True)
            scrolling = []
            for name, page in sample_pages(kiosk, lang):
                shell.show_screen(page)
                settle()
                scroll = getattr(page, "scroll", None)
                if scroll is not None and scroll.verticalScrollBar().maximum() > 0:
                    scrolling.append((name, scroll.verticalScrollBar().maximum()))
                    if args.panels is not None:
                        (args.panels / lang).mkdir(parents=True, exist_ok=True)
                        page.panel.grab().save(
                            str(args.panels / lang / (name.replace("/", "__") + ".png")))
            print(f"{lang} {w}x{h}: {len(scrolling)} scroll")
            for name, px in scrolling:
                print(f"  {name:40} +{px} px")
        theme.set_care_mode(False)
        kiosk.shutdown()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
