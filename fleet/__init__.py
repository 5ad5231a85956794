"""``kiosk-fleet``: the cooperative's operations console for the fleet of terminals.

Subscribes to the MQTT broker (every terminal's heartbeat, events, status and command
answers), keeps the latest state and an alert history in SQLite, and serves plain HTML pages
(FastAPI) to signed-in operators, who can send signed remote commands. Imports the wire
format and the MQTT helpers of ``kiosk.telemetry`` and the audit log; never ``screens`` or Qt.
See docs/fleet.md.
"""
