"""A connection cut during its handshake (what a client behind nginx sees when the gateway
nginx picked dies at that moment) is opened again, twice at most, since no call went out on
it. Sync and trio clients, against a scripted gateway that closes its first connections before
answering the HELLO."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import trio
from graftcode_runtime import ConnectionLost, connect, connect_async

from .conftest import ScriptedPeer, ScriptedServer
from .kinds import Call, Result

Scripted = Callable[[Callable[[ScriptedPeer, int], None]], ScriptedServer]


def cut_first(drop: int) -> Callable[[ScriptedPeer, int], None]:
    """Close the first `drop` connections at once; answer calls on the later ones."""

    def script(peer: ScriptedPeer, n: int) -> None:
        if n < drop:
            return  # the connection closes without a HELLO
        peer.handshake()
        call = peer.next_event()
        assert isinstance(call, Call)
        peer.send(Result(call.id, n))
        peer.next_event()  # the client's GOAWAY, or the end of the connection

    return script


def test_a_cut_handshake_is_retried(scripted: Scripted) -> None:
    server = scripted(cut_first(2))
    with connect(server.url, timeout=10) as c:
        assert c.call("echo", value=1) == 2  # answered on the third connection
    assert server.connections == 3


def test_retries_are_bounded(scripted: Scripted) -> None:
    server = scripted(cut_first(10))
    with pytest.raises(ConnectionLost):
        connect(server.url, timeout=10)
    assert server.connections == 3  # the first try and two more


def test_the_trio_client_retries_a_cut_handshake(scripted: Scripted) -> None:
    server = scripted(cut_first(2))

    async def main() -> int:
        async with connect_async(server.url, timeout=10) as c:
            return int(await c.call("echo", value=1))

    assert trio.run(main) == 2
