"""The cooperative's MQTT broker for the fleet, as a local stand-in: Debian's real Mosquitto.

Not a simulation of MQTT: ``kiosk-sim broker`` writes a Mosquitto configuration (TLS with
client certificates from a demo CA, the certificate CN as the user name, an ACL, persistence)
and runs ``/usr/sbin/mosquitto`` on a loopback port. What is simulated is the cooperative's
PKI and operations desk key (made with ``cryptography`` like the host simulator's, see
:mod:`peripherals_sim.bank_host.tls`).
"""
