"""The trio client: the same message kinds as the sync tests, over every transport."""

from __future__ import annotations

import pytest
import trio
from graftcode_runtime import (
    AsyncRemoteObject,
    CallSpec,
    Cancelled,
    RemoteError,
    StatusCode,
    connect,
    connect_async,
)
from graftcode_runtime.gateway import GatewayConfig
from harness import GatewayThread

TRANSPORTS = ("tcp", "ws", "inmemory")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_message_kind(gateway: GatewayThread, transport: str) -> None:
    async def main() -> None:
        async with connect_async(gateway.url(transport, "calculator"), module="calculator") as c:
            assert c.module == "calculator"
            assert await c.ping() >= 0  # PING / PONG
            assert await c.call("add", 1, 2) == 3  # CALL -> RESULT
            assert await c.invoke(CallSpec("call", "calculator", "subtract", (5, 3), {})) == 2
            with pytest.raises(RemoteError) as info:  # CALL -> ERROR (application)
                await c.call("divide", 2.0, 0.0)
            assert info.value.type_name == "DivisionByZero"
            assert info.value.fields == {"dividend": 2.0}
            acc = await c.new("Accumulator", 1.0)  # NEW
            assert isinstance(acc, AsyncRemoteObject)
            assert await acc.call("add", 2.0) == 3.0
            await acc.set("label", "x")  # SET
            assert await acc.get("label") == "x"  # GET
            assert await c.call("Accumulator.describe") == "a running total"
            await acc.release()  # RELEASE
            with pytest.raises(RemoteError) as info:
                await c.invoke(CallSpec("get", "Accumulator", "value", (), {}, acc.id))
            assert info.value.code is StatusCode.NOT_FOUND
            async with await c.new("Accumulator") as other:
                assert await other.get("value") == 0.0

    trio.run(main)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_cancelled_task_gets_cancelled_answer_for_sync_code(
    gateway: GatewayThread, transport: str
) -> None:
    async def main() -> None:
        async with connect_async(gateway.url(transport), module="gwfixture") as c:
            with trio.move_on_after(0.1) as scope:
                await c.call("delayed", 1, 1.0)
            assert scope.cancelled_caught
            # the connection is still usable, and the late answer was dropped
            assert await c.call("echo", "next") == "next"

    trio.run(main)


def test_server_side_cancel_answer_is_cancelled() -> None:
    """CANCEL makes the gateway answer CANCELLED (docs/protocol.md 4.5)."""
    with GatewayThread(["gwfixture"]) as g:

        async def main() -> None:
            async with connect_async(g.url("tcp")) as c:
                result: list[BaseException] = []

                async def call() -> None:
                    try:
                        await c.call("wait_forever")
                    except Cancelled as e:
                        result.append(e)

                async with trio.open_nursery() as nursery:
                    nursery.start_soon(call)
                    await trio.sleep(0.2)
                    link = c._link
                    call_id = max(link.table.conn.calls_in_flight)
                    from graftcode_runtime.protocol._events import Cancel

                    await link.wire.send(link.table.conn.send(Cancel(call_id)))
                assert result and "cancelled" in str(result[0])

        trio.run(main)


def test_debug_gateway_sends_tracebacks() -> None:
    with GatewayThread(["gwfixture"], GatewayConfig(debug=True)) as g:
        with connect(g.url("tcp")) as c:
            assert c.server_hello.debug
            with pytest.raises(RemoteError) as info:
                c.call("crash", "visible in debug")
            assert info.value.code is StatusCode.INTERNAL
            assert "RuntimeError: visible in debug" in info.value.message
            assert info.value.remote_traceback and "in crash" in info.value.remote_traceback


def test_instance_limit_per_connection() -> None:
    with GatewayThread(["gwfixture"], GatewayConfig(max_instances=3)) as g:
        with connect(g.url("tcp")) as c:
            counters = [c.new("Counter") for _ in range(3)]
            with pytest.raises(RemoteError) as info:
                c.new("Counter")
            assert info.value.code is StatusCode.RESOURCE_EXHAUSTED
            counters[0].release()
            c.new("Counter")  # room again after a release
            assert c.call("echo", "connection still open") == "connection still open"


def test_concurrent_call_limit_per_connection() -> None:
    with GatewayThread(["gwfixture"], GatewayConfig(max_calls_in_flight=2)) as g:

        async def main() -> list[object]:
            out: list[object] = []
            async with connect_async(g.url("tcp")) as c:

                async def one() -> None:
                    try:
                        out.append(await c.call("delayed", 1, 0.3))
                    except RemoteError as e:
                        out.append(e.code)

                async with trio.open_nursery() as nursery:
                    for _ in range(4):
                        nursery.start_soon(one)
            return out

        out = trio.run(main)
        assert out.count(1) >= 2
        assert StatusCode.RESOURCE_EXHAUSTED in out


def test_direct_writes_keep_calls_whole_and_in_order_under_concurrency(
    gateway: GatewayThread,
) -> None:
    """On plain TCP a CALL is written to the socket without the send lock when nobody is
    sending; a write the socket takes only in part (large arguments, many tasks at once) goes
    on under the lock, so no other CALL lands inside it."""

    async def main() -> None:
        async with connect_async(gateway.url("tcp", "gwfixture"), module="gwfixture") as c:
            big = [bytes([i]) * (3 * 1024 * 1024 + i) for i in range(4)]
            results: dict[int, object] = {}

            async def one(i: int) -> None:
                if i < len(big):
                    results[i] = await c.call("echo_bytes", big[i])
                else:
                    results[i] = await c.call("echo", f"s{i}")

            async with trio.open_nursery() as nursery:
                for i in range(40):
                    nursery.start_soon(one, i)
            for i in range(40):
                assert results[i] == (big[i] if i < len(big) else f"s{i}")

    trio.run(main)
