"""Technician functions as Qt-free services, used by the diagnostics screens and by
``kiosk diag`` alike: per-device self-test through the workers that own the ports
(:mod:`.selftest`), the app's local control socket that lets the command line ask the running
app instead of opening the ports itself (:mod:`.control`), the host and network check
(:mod:`.netcheck`), the masked log and journal export (:mod:`.export`), and the version and
configuration view with secrets hidden (:mod:`.config_view`)."""
