"""The card side of the vsmartcard vpcd protocol (pboc_ic_card.md §2.1-2.2).

vpcd (inside pcscd) listens on TCP; an inserted card is a client connection, a removed card
a closed one. Every message is a 2-byte big-endian length plus payload; a 1-byte payload is a
control code (0 power off, 1 power on, 2 reset, 4 get ATR, answered with the ATR), anything
longer a C-APDU answered with the R-APDU. vpcd writes length and payload in two ``send()``
calls without TCP_NODELAY, so the card re-arms TCP_QUICKACK after *every* recv: otherwise
Nagle waits for our delayed ACK and each APDU costs 40 ms instead of 0.1 ms.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from peripherals_sim.iccard.card import VirtualPbocCard

log = logging.getLogger(__name__)

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4

#: pcscd polls a vpcd slot every 400 ms; a card put in sooner after the last one left would
#: be taken for the old one still sitting there (no hand is that fast either).
SWAP_GAP = 0.5


class LinkClosed(Exception):
    """vpcd closed the connection (pcscd stopped) or we closed it (card removed)."""


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        if not chunk:
            raise LinkClosed("vpcd closed the connection")
        buf += chunk
    return bytes(buf)


class VpcdSlot:
    """One vpcd reader slot: at most one card inserted, kept connected by a thread.

    ``insert(card)`` connects (retrying while pcscd is down or restarting, so the card comes
    back by itself after a pcscd restart); ``remove()`` closes the connection.
    """

    def __init__(self, host: str, port: int, on_event: Callable[[dict[str, Any]], None]) -> None:
        self.host = host
        self.port = port
        self._on_event = on_event
        self._lock = threading.Lock()
        self._card: VirtualPbocCard | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._left_at = 0.0
        self.connected = threading.Event()

    @property
    def card(self) -> VirtualPbocCard | None:
        return self._card

    def insert(self, card: VirtualPbocCard) -> None:
        self.remove()
        with self._lock:
            self._card = card
            self._wake = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(card, self._wake),
                                            name=f"vpcd-{card.card_id}", daemon=True)
            self._thread.start()
        self._on_event({"event": "insert", "card": card.card_id})

    def remove(self) -> str | None:
        with self._lock:
            card, self._card = self._card, None
            sock, self._sock = self._sock, None
            thread = self._thread
            self._thread = None
            self._wake.set()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)
        self.connected.clear()
        if card is not None:
            self._left_at = time.monotonic()
            self._on_event({"event": "remove", "card": card.card_id})
        return None if card is None else card.card_id

    def _current(self, card: VirtualPbocCard) -> bool:
        return self._card is card

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=2.0)
        except OSError:
            return None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _run(self, card: VirtualPbocCard, wake: threading.Event) -> None:
        if wake.wait(max(0.0, self._left_at + SWAP_GAP - time.monotonic())):
            return
        next_sock: socket.socket | None = None
        while self._current(card):
            sock, next_sock = next_sock or self._connect(), None
            if sock is None:
                if wake.wait(0.1):
                    return
                continue
            with self._lock:
                if not self._current(card):
                    sock.close()
                    return
                self._sock = sock
            self.connected.set()
            self._on_event({"event": "connected", "card": card.card_id})
            outcome = "closed"
            try:
                outcome = self._serve(sock, card, wake)
            except (OSError, LinkClosed) as exc:
                log.debug("vpcd link of %s ended: %s", card.card_id, exc)
            finally:
                if outcome == "mute" and self._current(card):
                    # The chip stays silent; a real reader gives up after its waiting time
                    # and reports a communication error while the card stays seated. vpcd has
                    # no timeout, so: connect anew first (the card is still there when vpcd
                    # next polls), then drop the line, which fails the pending exchange.
                    next_sock = self._connect()
                self.connected.clear()
                with self._lock:
                    if self._sock is sock:
                        self._sock = None
                sock.close()
            if outcome == "pulled":  # pulled out during the read: the card is gone
                self._left_at = time.monotonic()
                with self._lock:
                    if self._card is card:
                        self._card = None
                        self._thread = None
                self._on_event({"event": "pulled", "card": card.card_id})
                return
            if next_sock is None and wake.wait(0.05):  # pcscd stopped: retry while inserted
                return
        if next_sock is not None:
            next_sock.close()

    def _serve(self, sock: socket.socket, card: VirtualPbocCard, wake: threading.Event) -> str:
        """Answer vpcd until the link ends: "pulled", "mute" (after holding the answer), or
        an exception when vpcd closed the line."""
        while True:
            (size,) = struct.unpack("!H", _recv_exact(sock, 2))
            msg = _recv_exact(sock, size)
            if size == 1:
                code = msg[0]
                if code == CTRL_ATR:
                    reply = card.atr
                else:
                    if code in (CTRL_ON, CTRL_RESET, CTRL_OFF):
                        card.power(code != CTRL_OFF)
                    continue
            else:
                resp = card.process(msg)
                if resp.action == "remove":
                    return "pulled"
                if resp.action == "mute":
                    wake.wait(float(card.fault.get("seconds", 1.0)))
                    return "mute"
                reply = resp.data
            sock.sendall(struct.pack("!H", len(reply)) + reply)
