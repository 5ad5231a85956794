"""The terminal's telemetry against a real Mosquitto: heartbeat content, retained state,
offline buffering with ordered replay, last will, ACL, signed commands."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.audit import audit_log, verify
from kiosk.telemetry.client import Telemetry, TelemetrySettings
from kiosk.telemetry.providers import Actions, Providers
from kiosk.telemetry.wire import command_topic, dumps, load_private_key, make_command, sign_command
from peripherals_sim.broker.mosquitto import Mosquitto
from tests.mqtt_fleet.conftest import Observer, endpoint

TID = "ZN0001"


def settings(broker: Mosquitto, **kw: Any) -> TelemetrySettings:
    kw.setdefault("heartbeat_seconds", 3600)
    kw.setdefault("reconnect_min", 0.2)
    kw.setdefault("reconnect_max", 0.5)
    return TelemetrySettings(TID, "礼泉县烟霞镇助农服务点", endpoint(broker, TID),
                             command_key=broker.pki.command_pub, **kw)


def kind_of(topic: str) -> str:
    return topic.rsplit("/", 1)[1]


def test_heartbeat_content_and_retained(broker: Mosquitto, state_dir: Path) -> None:
    audit = audit_log(state_dir)
    rec = audit.append("technician", "diag.reveal", {"device": "idcard"})
    providers = Providers(
        devices=lambda: {"printer": {"state": "online", "paper": "near_end"},
                         "pinpad": {"state": "online", "tamper": "none"},
                         "idcard": {"state": "hardwareError",
                                    "detail": "card 610425196803153012 stuck"}},
        host=lambda: {"online": True, "latency_ms": 12.5, "signed_in": True},
        clock_skew=lambda: 1.5,
        journal=lambda: {"unresolved": 2, "oldest_unresolved_age_s": 30.0},
        outbox=lambda: {"depth": 3, "oldest_age_s": 12.0},
        last_transaction=lambda: 1796000000.0,
        mode=lambda: "inService",
        journey=lambda: "张卫国",  # not a journey name: must never be published
        restarts=lambda: {"starts": 4, "crash_restarts": 1, "last_exit": "memory"},
        audit_head=lambda: (rec.seq, rec.line_hash),
    )
    obs = Observer(broker)
    tel = Telemetry(settings(broker), state_dir, providers=providers).start()
    try:
        topic, payload, _ = obs.wait_for(lambda m: kind_of(m[0]) == "hb")
        hb = json.loads(payload)
        assert topic == f"zhunong/{TID}/hb"
        assert hb["terminal"] == TID and hb["seq"] == 1 and hb["schema"] == 1
        assert hb["versions"]["app"] and hb["versions"]["python"] and hb["versions"]["os"]
        assert hb["uptime_s"] >= 0 and hb["memory"]["rss_mb"] > 0
        assert hb["memory"]["available_mb"] > 0 and hb["disk"]["free_mb"] > 0
        assert hb["restarts"] == {"starts": 4, "crash_restarts": 1, "last_exit": "memory"}
        assert hb["devices"]["printer"] == {"state": "online", "paper": "near_end"}
        assert hb["devices"]["pinpad"]["tamper"] == "none"
        assert "610425196803153012" not in payload.decode()  # masked like the logs
        assert hb["host"] == {"online": True, "latency_ms": 12.5, "signed_in": True}
        assert hb["clock_skew_s"] == 1.5
        assert hb["journal"] == {"unresolved": 2, "oldest_unresolved_age_s": 30.0}
        assert hb["outbox"] == {"depth": 3, "oldest_age_s": 12.0}
        assert hb["last_txn"] == 1796000000.0
        assert hb["mode"] == "inService"
        assert hb["journey"] is None and "张卫国" not in payload.decode()
        assert hb["audit"] == {"seq": rec.seq, "hash": rec.line_hash}
        status = [json.loads(p) for t, p, _ in obs.seen if kind_of(t) == "status"]
        assert status and status[-1]["online"] is True
        # a console that connects later gets the latest heartbeat from the broker (retained)
        tel.heartbeat_now()
        obs.wait_for(lambda m: kind_of(m[0]) == "hb" and json.loads(m[1])["seq"] == 2)
        late = Observer(broker, subscribe=f"zhunong/{TID}/hb")
        _, payload2, retained = late.wait_for(lambda m: True)
        assert retained and json.loads(payload2)["seq"] == 2
        late.close()
    finally:
        tel.stop()
        obs.close()


def test_offline_buffer_is_bounded_and_replayed_in_order(broker: Mosquitto,
                                                          state_dir: Path) -> None:
    # the console's persistent session exists before the broker goes down
    Observer(broker, clean_start=False).close()
    broker.stop()
    tel = Telemetry(settings(broker, max_heartbeats=3), state_dir).start()
    try:
        expected: list[tuple[str, int]] = []
        deadline = time.monotonic() + 10
        while tel.last_heartbeat is None and time.monotonic() < deadline:
            time.sleep(0.02)
        expected.append(("hb", 1))
        for n in range(5):
            tel.event("test", n=n)
            expected.append(("evt", n))
            expected.append(("hb", tel.heartbeat_now()["seq"]))
        assert not tel.connected.is_set()
        assert tel.buffer.counts() == {"evt": 5, "hb": 3}
        assert tel.buffer.dropped_heartbeats == 3
        kept = [e for e in expected if e[0] == "evt" or e[1] > 3]  # oldest heartbeats dropped
        broker.start()  # same port, same persistence
        obs = Observer(broker, clean_start=False)
        got: list[tuple[str, int]] = []
        deadline = time.monotonic() + 20
        while len(got) < len(kept) and time.monotonic() < deadline:
            topic, payload, _ = obs.wait_for(lambda m: kind_of(m[0]) in ("hb", "evt"))
            body = json.loads(payload)
            got.append(("hb", body["seq"]) if kind_of(topic) == "hb"
                       else ("evt", body["detail"]["n"]))
        obs.close()
        assert got == kept
        deadline = time.monotonic() + 10
        while tel.buffer.counts() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tel.buffer.counts() == {}  # everything acknowledged is gone from the buffer
    finally:
        tel.stop()


def test_last_will_marks_the_terminal_offline(broker: Mosquitto, state_dir: Path) -> None:
    obs = Observer(broker, subscribe=f"zhunong/{TID}/status")
    cert, key = broker.pki.client(TID)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.telemetry", "--url", broker.url,
         "--ca", str(broker.pki.ca_file), "--cert", str(cert), "--key", str(key),
         "--id", TID, "--state-dir", str(state_dir), "--keepalive", "5"],
        stdout=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())["connected"] is True
        obs.wait_for(lambda m: json.loads(m[1])["online"] is True)
        proc.send_signal(signal.SIGKILL)  # a crash or a power cut: no DISCONNECT
        proc.wait(10)
        _, payload, _ = obs.wait_for(lambda m: json.loads(m[1])["online"] is False)
        assert json.loads(payload)["reason"] == "lost"
        late = Observer(broker, subscribe=f"zhunong/{TID}/status")
        _, payload, retained = late.wait_for(lambda m: True)
        assert retained and json.loads(payload)["online"] is False
        late.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        obs.close()


def test_acl_a_terminal_stays_under_its_own_id(broker: Mosquitto) -> None:
    t1 = Observer(broker, TID, subscribe="zhunong/#")  # SUBACK grants it; delivery is checked
    t2 = Observer(broker, "ZN0002", subscribe="zhunong/cmd/ZN0002/#")
    console = Observer(broker)
    try:
        assert t1.publish(f"zhunong/{TID}/hb", b"{}") == "Success"
        assert t1.publish("zhunong/ZN0002/hb", b"{}") == "Not authorized"
        assert t1.publish("zhunong/cmd/ZN0002/req", b"{}") == "Not authorized"
        console.drain(0.3)
        assert console.publish("zhunong/cmd/ZN0002/req", b'{"x":1}') == "Success"
        t2.wait_for(lambda m: m[0] == "zhunong/cmd/ZN0002/req")
        assert t1.drain(0.5) == []  # subscribed, but the ACL never delivers another's commands
        # nor anything published by another terminal
        t2.publish("zhunong/ZN0002/evt", b'{"n":1}')
        console.wait_for(lambda m: m[0] == "zhunong/ZN0002/evt")
        assert t1.drain(0.3) == []
    finally:
        for o in (t1, t2, console):
            o.close()


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_signed_commands_accepted_unsigned_expired_replayed_refused(
        broker: Mosquitto, state_dir: Path) -> None:
    screen = {"screen": "attract", "journey": None, "mode": "inService"}
    actions = Actions(screen=lambda: screen["screen"], screenshot=_png,
                      out_of_service=lambda reason: screen.update(mode="outOfService"),
                      in_service=lambda: screen.update(mode="inService"))
    providers = Providers(journey=lambda: screen["journey"], mode=lambda: screen["mode"])
    tel = Telemetry(settings(broker), state_dir, providers=providers, actions=actions,
                    audit=audit_log(state_dir)).start()
    console = Observer(broker)
    key = load_private_key(broker.pki.command_key)
    try:
        assert tel.connected.wait(10)

        def send(envelope: bytes) -> dict[str, Any]:
            console.drain(0.05)
            assert console.publish(command_topic(TID), envelope) == "Success"
            _, payload, _ = console.wait_for(lambda m: kind_of(m[0]) == "reply")
            return dict(json.loads(payload))

        ok = make_command(TID, "out_of_service", {"reason": "换纸"}, operator="op.li")
        signed = sign_command(ok, key)
        reply = send(signed)
        assert reply["ok"] is True and reply["id"] == ok["id"] and screen["mode"] == \
            "outOfService"
        assert send(signed)["refused"] == "replayed"
        unsigned = dumps({"body": dumps(make_command(TID, "in_service", operator="x"))
                          .decode()})
        assert send(unsigned)["refused"] == "unsigned"
        other = sign_command(make_command(TID, "in_service", operator="x"),
                             ed25519.Ed25519PrivateKey.generate())
        assert send(other)["refused"] == "bad_signature"
        old = make_command(TID, "in_service", operator="op.li", now=time.time() - 900,
                           ttl=300)
        assert send(sign_command(old, key))["refused"] == "expired"
        elsewhere = make_command("ZN0002", "in_service", operator="op.li")
        assert send(sign_command(elsewhere, key))["refused"] == "wrong_terminal"
        assert screen["mode"] == "outOfService"  # none of the refused ones did anything
        # a screenshot while a farmer's journey is on is refused; on attract it is sent
        screen.update(journey="identify", screen="journey")
        busy = send(sign_command(make_command(TID, "screenshot", operator="op.li"), key))
        assert busy["ok"] is False and busy["error"] == "busy" and "png" not in busy
        screen.update(journey=None, screen="attract")
        shot = send(sign_command(make_command(TID, "screenshot", operator="op.li"), key))
        assert shot["ok"] is True and base64.b64decode(shot["png"]) == _png()
        # refusals are reported as events and everything is in the audit log
        deadline = time.monotonic() + 10
        while True:
            refused_events = [json.loads(p) for t, p, _ in list(console.seen)
                              if kind_of(t) == "evt"
                              and json.loads(p)["kind"] == "command_refused"]
            if len(refused_events) >= 5 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        reasons = sorted(e["detail"]["reason"] for e in refused_events)
        assert reasons == ["bad_signature", "expired", "replayed", "unsigned",
                           "wrong_terminal"]
        path = state_dir / "audit" / "audit.jsonl"
        actions_logged = [json.loads(line)["action"] for line in path.read_text().splitlines()]
        assert actions_logged == ["remote.out_of_service"] + ["remote.refused"] * 5 + [
            "remote.screenshot", "remote.screenshot"]
        assert verify(path) == (True, None)
    finally:
        tel.stop()
        console.close()
