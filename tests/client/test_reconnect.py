"""The reconnect policy, for every client object (dynamic and generated, blocking and trio) over
TCP and WebSocket: after the gateway restarts, the next call opens a new connection; a call in
flight when a connection dies fails with ConnectionLost and is not sent again; a proxy of an
instance of the old connection fails with NOT_FOUND instead of reaching another connection's
object; a closed client does not reconnect.

Before the client redesign, the dynamic clients never reconnected, the generated blocking one
failed the first call after a restart, and an old proxy's instance id reached whatever object
held that id on the new connection."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
import trio
from graftcode_runtime import ConnectionLost, RemoteError, StatusCode, connect_async

from .conftest import Relay, Restartable, ScriptedPeer, ScriptedServer
from .kinds import KINDS, TRANSPORTS, Call, GoAway, Result, open_client

each_transport = pytest.mark.parametrize("transport", TRANSPORTS)


async def restart(gateway: Restartable) -> None:
    await trio.to_thread.run_sync(gateway.restart)


@each_transport
@pytest.mark.parametrize("kind", KINDS)
def test_next_call_after_a_gateway_restart_reconnects(
    restartable: Restartable, kind: str, transport: str
) -> None:
    async def main() -> None:
        async with open_client(kind, restartable.url(transport)) as api:
            assert await api.add(1, 2) == 3
            await restart(restartable)
            assert await api.add(2, 3) == 5
            await restart(restartable)
            assert await api.add(3, 4) == 7

    trio.run(main)


@each_transport
@pytest.mark.parametrize("kind", KINDS)
def test_a_call_in_flight_when_the_connection_dies_is_not_retried(
    relay: Callable[[str], Relay], kind: str, transport: str
) -> None:
    r = relay(transport)

    async def main() -> None:
        async with open_client(kind, r.url(transport), module="gwfixture") as api:
            assert await api.call("echo", value="a") == "a"
            r.cut_on_next_send()  # just after the next CALL has gone through
            with pytest.raises(ConnectionLost) as info:
                await api.call("poll_until_cancelled", limit=5.0)
            # it may have run: not retry-safe, and not sent again on another connection
            assert not getattr(info.value, "retry_safe", False)
            assert r.accepted == 1
            assert await api.call("echo", value="b") == "b"
            assert r.accepted == 2

    trio.run(main)


@each_transport
@pytest.mark.parametrize("kind", KINDS)
def test_a_proxy_of_the_old_connection_fails_after_reconnecting(
    restartable: Restartable, kind: str, transport: str
) -> None:
    async def main() -> None:
        async with open_client(kind, restartable.url(transport)) as api:
            old = await api.accumulator(10.0)
            assert await api.acc_add(old, 1.0) == 11.0
            await restart(restartable)
            with pytest.raises(RemoteError) as info:  # the first call after the restart
                await api.acc_add(old, 1.0)
            assert info.value.code is StatusCode.NOT_FOUND
            assert await api.add(1, 2) == 3
            # the new connection's first instance: on the gateway it may well get old's id
            new = await api.accumulator(100.0)
            with pytest.raises(RemoteError) as info:
                await api.acc_add(old, 1.0)
            assert info.value.code is StatusCode.NOT_FOUND
            assert await api.acc_add(new, 1.0) == 101.0  # untouched by the calls through old

    trio.run(main)


# A generated blocking channel is not in this list: its close() is documented to leave it
# usable (the next call opens a new connection).
@each_transport
@pytest.mark.parametrize("kind", ["sync", "trio", "trio-generated"])
def test_a_closed_client_stays_closed(
    relay: Callable[[str], Relay], restartable: Restartable, kind: str, transport: str
) -> None:
    r = relay(transport)

    async def main() -> None:
        async with open_client(kind, r.url(transport)) as api:
            assert await api.add(1, 2) == 3
            await restart(restartable)
            assert await api.add(2, 3) == 5  # it does reconnect while open
            if kind != "trio-generated":  # that one closes when its context is left
                await api.close()
                with pytest.raises(ConnectionLost):
                    await api.add(3, 4)
        with pytest.raises(ConnectionLost):
            await api.add(4, 5)
        assert r.accepted == 2

    trio.run(main)


@pytest.mark.parametrize("kind", ["sync", "trio"])
def test_a_call_the_gateway_refused_unrun_goes_to_a_new_connection(
    scripted: Callable[..., ScriptedServer], kind: str
) -> None:
    """A CALL that crossed the gateway's GOAWAY on the wire (its id above `last_id`) never
    ran: it is sent once more on a new connection, within the same call."""
    members: list[tuple[int, str]] = []

    def script(peer: ScriptedPeer, n: int) -> None:
        peer.handshake()
        if n == 0:  # shutting down: GOAWAY as the CALL arrives, which the gateway never reads
            peer.sock.recv(1, socket.MSG_PEEK)
            peer.send(GoAway(0, StatusCode.OK, "shutting down"))
            members.append((n, "unread"))
            return
        call = peer.next_event()
        assert isinstance(call, Call)
        members.append((n, call.member))
        peer.send(Result(call.id, call.kwargs["value"]))
        peer.next_event()  # the client's GOAWAY, or the end of the connection

    server = scripted(script)

    async def main() -> None:
        async with open_client(kind, server.url, module="gwfixture") as api:
            assert await api.call("echo", value="again") == "again"

    trio.run(main)
    assert members == [(0, "unread"), (1, "echo")]
    assert not server.errors


def test_trio_a_call_the_closing_websocket_refused_goes_to_a_new_connection(
    restartable: Restartable,
) -> None:
    """The trio reader has read the gateway's close frame and is answering it, the GOAWAY that
    came before it not yet routed, when a task sends a CALL: the WebSocket refuses it, so it
    never went out and goes to a new connection. (The refusal is made on the live wire: the
    real interleaving depends on the scheduler, and the gateway restart tests only meet it now
    and then.)"""
    from wsproto.utilities import LocalProtocolError as WebSocketClosed

    async def main() -> None:
        async with connect_async(restartable.url("ws"), module="calculator") as c:
            assert await c.call("add", 1, 2) == 3
            wire = c._link.wire

            async def closing(data: bytes) -> None:
                raise WebSocketClosed("Event Message(...) cannot be sent in state CLOSED.")

            wire.send = closing
            assert await c.call("add", 2, 3) == 5
            assert c._link.wire is not wire

    trio.run(main)


@each_transport
@pytest.mark.parametrize("kind", KINDS)
def test_closing_a_client_whose_gateway_is_gone_raises_nothing(
    restartable: Restartable, kind: str, transport: str
) -> None:
    """The gateway stopped (GOAWAY, then over WebSocket a close frame) and did not come back:
    the next call fails with ConnectionLost, and closing the client afterwards is quiet."""

    async def main() -> None:
        async with open_client(kind, restartable.url(transport)) as api:
            assert await api.add(1, 2) == 3
            await trio.to_thread.run_sync(restartable.stop)
            with pytest.raises(ConnectionLost):
                await api.add(2, 3)

    trio.run(main)
