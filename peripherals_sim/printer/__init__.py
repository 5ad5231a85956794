"""ESC/POS receipt printer simulator (its own parser; imports nothing from devices/kiosk)."""
