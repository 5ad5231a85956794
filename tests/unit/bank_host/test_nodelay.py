"""Nagle is off on every connection the simulator accepts (HTTPS listener and control port).

With Nagle on, uvicorn's two writes per response (headers, then body) left the body waiting
for the client's delayed ACK: ~44 ms per request on loopback (bench/bench_host.py --latency).
Both listeners are made by ``_bind`` and served by ``protocol_for``'s protocol, so these two
are what is checked here, on real sockets.
"""

from __future__ import annotations

import asyncio
import socket

from peripherals_sim.bank_host.cli import _bind, set_nodelay


def _nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_listening_socket_is_tcp_with_nodelay_and_accepted_sockets_inherit_it() -> None:
    listener = _bind("127.0.0.1", 0)
    try:
        # asyncio's transports set TCP_NODELAY themselves only when proto says TCP
        assert listener.proto == socket.IPPROTO_TCP
        assert _nodelay(listener)
        listener.setblocking(True)
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert _nodelay(accepted)
                assert client.getsockname() == accepted.getpeername()
    finally:
        listener.close()


def test_set_nodelay_on_an_accepted_transport() -> None:
    """The protocol's connection_made hook turns Nagle off even on a socket that had it on
    (a listener created without IPPROTO_TCP, whose connections asyncio leaves alone)."""
    seen: list[tuple[bool, bool]] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            before = _nodelay(sock)
            seen.append((before, set_nodelay(transport)))
            transport.close()

    async def run() -> None:
        plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0
        plain.bind(("127.0.0.1", 0))
        plain.listen(1)
        plain.setblocking(False)
        server = await asyncio.get_running_loop().create_server(Probe, sock=plain)
        async with server:
            reader, writer = await asyncio.open_connection(*plain.getsockname())
            await reader.read()  # closed by the probe
            writer.close()
            await writer.wait_closed()

    asyncio.run(run())
    assert seen == [(False, True)]
