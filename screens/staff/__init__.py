"""Staff and technician screens: the hidden entry, sign-in on a large on-screen keyboard,
supervised mode's staff functions, the second-person authorisation, and diagnostics mode.
Denser than farmer screens, but never under 24 px text and 64 px touch targets. They call the
Qt-free services of ``kiosk/staff.py``, ``kiosk/authorization.py``, ``kiosk/staff_functions.py``
and ``kiosk/technician/`` (docs/staff.md)."""
