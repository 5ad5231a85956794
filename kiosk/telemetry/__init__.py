"""Fleet telemetry of the terminal (Qt-free): heartbeats and events over MQTT to the
cooperative's broker, signed remote commands back. See docs/fleet.md.

``kiosk.app`` builds a :class:`~kiosk.telemetry.client.Telemetry` from ``[telemetry]`` and
feeds it through :class:`~kiosk.telemetry.providers.Providers` (read-only views) and
:class:`~kiosk.telemetry.providers.Actions` (what remote commands may do).
"""
