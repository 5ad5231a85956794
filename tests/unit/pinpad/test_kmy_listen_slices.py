"""A key pressed as a listening ends belongs to that listening: the real KMY driver against a
pad played over TCP that sends a key echo in the same moment it is told "keypad off" (the echo
before the reply, as a pad whose key was pressed just before the command arrived does)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from devices.base import CancelToken, Key, KeyPressed
from devices.pinpad.kmy import CMD_KEYPAD, KmyPinPad
from tests.contract.broken_peer.peer import kmy_frame


class LastMomentPad:
    """Answers every command; on "keypad off" first echoes the digit 5 (the farmer's key)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.offs = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        buf = b""
        with conn:
            while chunk := conn.recv(256):
                buf += chunk
                while (start := buf.find(b"\x02")) >= 0 and len(buf) >= start + 2 \
                        and len(buf) >= start + buf[start + 1] + 3:
                    end = start + buf[start + 1] + 3
                    cmd, data = buf[start + 2], buf[start + 3:end - 1]
                    buf = buf[end:]
                    if cmd == CMD_KEYPAD and data == b"\x00":
                        self.offs += 1
                        conn.sendall(b"5" + kmy_frame(0x04))
                    else:
                        conn.sendall(kmy_frame(0x04, b"KMY-TEST" if cmd == 0x30 else b""))

    def close(self) -> None:
        self.server.close()


@pytest.fixture()
def pad() -> Iterator[tuple[KmyPinPad, LastMomentPad]]:
    peer = LastMomentPad()
    driver = KmyPinPad(url=f"tcp://127.0.0.1:{peer.port}", reply_timeout=2.0)
    driver.open()
    try:
        yield driver, peer
    finally:
        driver.close()
        peer.close()


def test_a_key_echoed_with_keypad_off_is_heard_by_the_slice_that_ends(pad) -> None:
    driver, peer = pad
    events: list[KeyPressed] = []
    names = driver.listen(0.2, events=events.append, cancel=CancelToken())
    assert peer.offs == 1
    assert names == ["5"]
    assert [(e.key, e.value) for e in events] == [(Key.DIGIT, "5")]
    assert driver.version() == "KMY-TEST"  # and the link is in step for the next command


def test_a_cancelled_listening_still_hands_over_the_key_sent_before_off(pad) -> None:
    """Cancelled (the screen changed): the key the pad sent before it heard "off" is handed
    over all the same; the asker that cancelled decides whether it takes it."""
    driver, peer = pad
    cancel = CancelToken()
    timer = threading.Timer(0.2, cancel.cancel)
    timer.start()
    events: list[KeyPressed] = []
    assert driver.listen(5, events=events.append, cancel=cancel) == ["5"]
    assert [e.value for e in events] == ["5"] and peer.offs == 1
    assert driver.version() == "KMY-TEST"
