"""Package build hook: compile the message catalogs (.po -> .mo) into the built package.

Everything else is in pyproject.toml. ``*.mo`` files are not in git; a wheel or a Debian
package carries them so the kiosk never parses a ``.po`` at start (see kiosk/i18n.py).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        # kiosk/i18n.py is loaded by path: importing the kiosk package needs its dependencies.
        here = Path(__file__).resolve().parent
        spec = importlib.util.spec_from_file_location("_kiosk_i18n", here / "kiosk" / "i18n.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.compile_catalogs(here / "kiosk" / "locale")
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogs})
