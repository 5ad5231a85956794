"""Reusable farmer widgets: big buttons, the idle countdown, keypads (later)."""
