"""The trio client's streams (docs/python-client.md, "Streams"): `async for` over a result
stream, `aclose()`/`async with` cancel it, client streams take an async iterable, and a
bidirectional call streams both ways; over TCP, WebSocket and in memory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import streamfix
import trio
from graftcode_runtime import CallSpec, connect_async
from graftcode_runtime.protocol import RemoteError
from harness import GatewayThread


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayThread]:
    with GatewayThread(["streamfix"]) as gw:
        yield gw


@pytest.mark.parametrize("transport", ["tcp", "ws", "inmemory"])
def test_trio_streams_every_way(gateway: GatewayThread, transport: str) -> None:
    key = uuid.uuid4().hex

    async def numbers(n: int) -> AsyncIterator[int]:
        for i in range(n):
            yield i
            await trio.sleep(0)

    async def main() -> None:
        async with connect_async(gateway.url(transport, "streamfix"), module="streamfix") as c:
            spec = CallSpec("call", "streamfix", "count", [2000], {})
            assert [i async for i in c.stream(spec)] == list(range(2000))
            got: list[int] = []
            with pytest.raises(RemoteError) as info:
                async for i in c.stream(CallSpec("call", "streamfix", "fail_after", [3], {})):
                    got.append(i)
            assert got == [0, 1, 2] and info.value.type_name == "Boom"
            async with c.stream(CallSpec("call", "streamfix", "tracked", [key], {})) as s:
                async for i in s:
                    if i == 2:
                        break
            upload = CallSpec("call", "streamfix", "asum", [None], {})
            assert await c.invoke(upload, source=numbers(500)) == sum(range(500))
            bidi = CallSpec("call", "streamfix", "doubled", [None], {})
            assert [i async for i in c.stream(bidi, source=range(300))] == [
                2 * i for i in range(300)
            ]

    trio.run(main)
    assert streamfix.closed[key].wait(10)
