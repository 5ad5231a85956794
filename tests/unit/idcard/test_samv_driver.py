"""The samv driver against a scripted peer on a real TCP socket: the reference's frames byte for
byte, retries, resynchronisation, card removal, and a port that disappears."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from devices.base import CompletionCode, DeviceInitError, DeviceState, StatusChanged, run_command
from devices.idcard.contract import IdCardError
from devices.idcard.frames import encode_frame
from devices.idcard.samv import SamvIdCardReader
from devices.worker import DeviceWorker

from .test_frames import worked_example_text

H = bytes.fromhex
FIND = H("AAAAAA9669 0003 2001 22")
SELECT = H("AAAAAA9669 0003 2002 21")
READ = H("AAAAAA9669 0003 3001 32")
STATUS = H("AAAAAA9669 0003 11FF ED")
FOUND = H("AAAAAA9669 0008 00009F 00000000 97")
NO_CARD = H("AAAAAA9669 0004 000080 84")
SELECTED = H("AAAAAA9669 000C 000090 0000000000000000 9C")
SELECT_FAIL = H("AAAAAA9669 0004 000081 85")
OK = H("AAAAAA9669 0004 000090 94")
BAD_REQUEST_CHK = H("AAAAAA9669 0004 000010") + bytes([0x04 ^ 0x10])
READ_REPLY = encode_frame(H("000090"), H("01000400") + worked_example_text() + bytes(1024))


def corrupt(frame: bytes) -> bytes:
    return frame[:-1] + bytes([frame[-1] ^ 0x5A])


class ScriptedPeer:
    """A TCP peer that expects exact request bytes and answers from a script.

    ``script``: list of (expected request, reply bytes or None for silence). A request that
    does not match is recorded and answered with nothing.
    """

    def __init__(self, script: list[tuple[bytes, bytes | None]], port: int = 0) -> None:
        self.script = list(script)
        self.received: list[bytes] = []
        self.mismatches: list[tuple[bytes, bytes]] = []
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def _run(self) -> None:
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        self.conn = conn
        buf = b""
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while len(buf) >= 7 and len(buf) >= 7 + int.from_bytes(buf[5:7], "big"):
                size = 7 + int.from_bytes(buf[5:7], "big")
                request, buf = buf[:size], buf[size:]
                self.received.append(request)
                if not self.script:
                    continue
                expected, answer = self.script.pop(0)
                if request != expected:
                    self.mismatches.append((expected, request))
                    continue
                if answer:
                    conn.sendall(answer)

    def drop_connection(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.server.close()

    def close(self) -> None:
        self.drop_connection()
        self._thread.join(2)


@pytest.fixture()
def peer_factory() -> Iterator[Any]:
    peers: list[ScriptedPeer] = []

    def make(script: list[tuple[bytes, bytes | None]], port: int = 0) -> ScriptedPeer:
        p = ScriptedPeer(script, port)
        peers.append(p)
        return p

    yield make
    for p in peers:
        p.close()


def reader_for(peer: ScriptedPeer, **kw: Any) -> SamvIdCardReader:
    params: dict[str, Any] = dict(
        find_timeout=0.5, read_timeout=2.0, sam_timeout=0.5, poll_interval=0.05
    )
    r = SamvIdCardReader(url=peer.url, **{**params, **kw})
    r.open()
    return r


def test_read_sends_the_reference_frames_and_decodes_the_worked_example(peer_factory: Any) -> None:
    peer = peer_factory([(FIND, FOUND), (SELECT, SELECTED), (READ, READ_REPLY)])
    reader = reader_for(peer)
    identity = reader.read_identity(wait=False)
    reader.close()
    assert peer.received == [FIND, SELECT, READ] and not peer.mismatches
    assert (identity.name, identity.id_number) == ("张三", "11010119900101001X")


def test_waiting_read_polls_find_until_a_card_comes(peer_factory: Any) -> None:
    peer = peer_factory(
        [(FIND, NO_CARD), (FIND, NO_CARD), (FIND, FOUND), (SELECT, SELECTED), (READ, READ_REPLY)]
    )
    identity = reader_for(peer).read_identity(wait=True)
    assert identity.name == "张三" and peer.received.count(FIND) == 3


def test_card_pulled_between_find_and_select_reports_card_removed(peer_factory: Any) -> None:
    peer = peer_factory([(FIND, FOUND), (SELECT, SELECT_FAIL), (FIND, NO_CARD)])
    completion = run_command(reader_for(peer), "read_identity", wait=False)
    assert (completion.code, completion.error) == (
        CompletionCode.USER_ERROR,
        IdCardError.CARD_REMOVED,
    )


def test_one_bad_reply_checksum_on_read_is_retried_as_a_whole_sequence(peer_factory: Any) -> None:
    peer = peer_factory(
        [
            (FIND, FOUND),
            (SELECT, SELECTED),
            (READ, corrupt(READ_REPLY)),
            (FIND, FOUND),
            (SELECT, SELECTED),
            (READ, READ_REPLY),
        ]
    )
    assert reader_for(peer).read_identity(wait=False).name == "张三"
    assert peer.received == [FIND, SELECT, READ, FIND, SELECT, READ]


def test_a_lost_read_reply_with_the_card_consumed_reports_the_checksum_error(
    peer_factory: Any,
) -> None:
    peer = peer_factory(
        [(FIND, FOUND), (SELECT, SELECTED), (READ, corrupt(READ_REPLY)), (FIND, NO_CARD)]
    )
    completion = run_command(reader_for(peer), "read_identity", wait=False)
    assert completion.error is IdCardError.CHECKSUM_ERROR


def test_silence_on_find_is_retried_once_then_no_response(peer_factory: Any) -> None:
    peer = peer_factory([(FIND, None), (FIND, FOUND), (SELECT, SELECTED), (READ, READ_REPLY)])
    assert reader_for(peer, find_timeout=0.2).read_identity(wait=False).name == "张三"
    peer2 = peer_factory([(FIND, None), (FIND, None)])
    completion = run_command(reader_for(peer2, find_timeout=0.2), "read_identity", wait=False)
    assert (completion.code, completion.error) == (CompletionCode.TIMEOUT, IdCardError.NO_RESPONSE)


def test_reader_side_checksum_error_resends_the_command(peer_factory: Any) -> None:
    peer = peer_factory(
        [(FIND, BAD_REQUEST_CHK), (FIND, FOUND), (SELECT, SELECTED), (READ, READ_REPLY)]
    )
    assert reader_for(peer).read_identity(wait=False).name == "张三"


def test_noise_before_replies_is_skipped(peer_factory: Any) -> None:
    peer = peer_factory(
        [
            (FIND, b"\x00\x13\xaa\xaa\x96" + FOUND),
            (SELECT, b"\xff" * 30 + SELECTED),
            (READ, b"\x96\x69" + READ_REPLY),
        ]
    )
    assert reader_for(peer).read_identity(wait=False).name == "张三"


def test_reply_split_into_small_pieces_is_reassembled(peer_factory: Any) -> None:
    peer = peer_factory([(FIND, FOUND), (SELECT, SELECTED), (READ, None)])
    reader = reader_for(peer)
    result: queue.Queue[Any] = queue.Queue()
    t = threading.Thread(
        target=lambda: result.put(run_command(reader, "read_identity", wait=False))
    )
    t.start()
    while len(peer.received) < 3:
        time.sleep(0.01)
    assert peer.conn is not None
    for i in range(0, len(READ_REPLY), 97):
        peer.conn.sendall(READ_REPLY[i : i + 97])
        time.sleep(0.002)
    completion = result.get(timeout=5)
    assert completion.ok and completion.data.name == "张三"


def test_port_that_disappears_raises_device_init_error(peer_factory: Any) -> None:
    peer = peer_factory([(STATUS, OK), (FIND, NO_CARD)])
    reader = reader_for(peer)
    assert reader.probe().device is DeviceState.ONLINE
    peer.drop_connection()
    with pytest.raises(DeviceInitError):
        reader.read_identity(wait=False)


def test_missing_port_cannot_be_opened() -> None:
    with pytest.raises(DeviceInitError):
        SamvIdCardReader(url="/dev/does-not-exist-idcard").open()


def test_worker_reports_no_device_and_reopens_when_the_port_is_back(peer_factory: Any) -> None:
    peer = peer_factory([(STATUS, OK), (FIND, NO_CARD)])
    port = peer.port
    events: queue.Queue[Any] = queue.Queue()
    reader = SamvIdCardReader(url=peer.url, find_timeout=0.3, sam_timeout=0.3)
    worker = DeviceWorker("idcard", reader, events.put, probe_interval=0.2, reopen_backoff=(0.1,))
    worker.start()
    try:
        states = _states_until(events, DeviceState.ONLINE)
        assert states[-1] is DeviceState.ONLINE
        peer.drop_connection()
        assert _states_until(events, DeviceState.NO_DEVICE)[-1] is DeviceState.NO_DEVICE
        again = peer_factory([(STATUS, OK), (FIND, NO_CARD)] * 50, port=port)
        assert _states_until(events, DeviceState.ONLINE)[-1] is DeviceState.ONLINE
        assert again.received[:1] == [STATUS]
    finally:
        worker.stop()


def _states_until(
    events: queue.Queue[Any], wanted: DeviceState, timeout: float = 10.0
) -> list[DeviceState]:
    seen: list[DeviceState] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            item = events.get(timeout=0.2)
        except queue.Empty:
            continue
        if isinstance(item, StatusChanged):
            seen.append(item.new.device)
            if item.new.device is wanted:
                return seen
    raise AssertionError(f"never reached {wanted}; saw {seen}")


def test_a_stale_read_reply_arriving_late_is_not_taken_for_the_find_reply(
    peer_factory: Any,
) -> None:
    peer = peer_factory([(FIND, READ_REPLY + FOUND), (SELECT, SELECTED), (READ, READ_REPLY)])
    assert reader_for(peer).read_identity(wait=False).name == "张三"
