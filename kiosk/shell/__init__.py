"""The app shell: main window with the screen host, the status strip, the attract screen."""

from kiosk.shell import pyside_fix as _pyside_fix  # noqa: F401 (installs the emit workaround)
