"""Many calls in flight on one connection, and many connections at once."""

from __future__ import annotations

import random
import threading

import pytest
import trio
from graftcode_runtime import connect, connect_async
from harness import GatewayThread

TRANSPORTS = ("tcp", "ws", "inmemory")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_500_concurrent_calls_on_one_connection(gateway: GatewayThread, transport: str) -> None:
    rng = random.Random(4)
    delays = [rng.choice((0.0, 0.001, 0.005, 0.02)) for _ in range(500)]
    results: dict[int, object] = {}

    async def main() -> None:
        async with connect_async(gateway.url(transport), module="gwfixture") as client:

            async def one(i: int) -> None:
                name = "delayed_async" if i % 2 else "delayed"
                results[i] = await client.call(name, i, delays[i])

            async with trio.open_nursery() as nursery:
                for i in range(500):
                    nursery.start_soon(one, i)

    trio.run(main)
    assert results == {i: i for i in range(500)}


@pytest.mark.parametrize("transport", ("tcp", "ws"))
def test_50_connections_at_once(gateway: GatewayThread, transport: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(50)

    def worker(n: int) -> None:
        try:
            with connect(gateway.url(transport), module="calculator") as c:
                barrier.wait(timeout=30)
                for i in range(5):
                    assert c.call("add", n, i) == n + i
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]


def test_one_sync_client_shared_by_threads(gateway: GatewayThread) -> None:
    results: dict[int, int] = {}
    with connect(gateway.url("tcp"), module="gwfixture") as c:

        def worker(n: int) -> None:
            results[n] = c.call("delayed", n, 0.01 * (n % 3))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert results == {n: n for n in range(20)}
