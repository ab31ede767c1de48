"""Generated Python code for streaming members (docs/python-client.md, "Streams"): a stream
result is a `RemoteStream[T]` (blocking) or an `AsyncRemoteStream[T]` (trio) of converted
items; declared errors raised mid-stream arrive as the generated exception after the items;
breaking out or closing cancels. The package passes mypy --strict with a typed consumer."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import trio
from graftcode_runtime.introspect import export_module, load_module
from graftcode_runtime.testing import GatewayThread

from .support import CONSUMERS, ROOT, build, mypy

GATEWAY_TESTS = ROOT / "tests" / "gateway"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("streams")
    module = export_module(load_module("streamfix", [str(GATEWAY_TESTS)])).module
    build(module, out / "graft-streamfix")
    sys.path.insert(0, str(out / "graft-streamfix"))
    yield out / "graft-streamfix"
    sys.path.remove(str(out / "graft-streamfix"))
    for name in [n for n in sys.modules if n.startswith("graft_streamfix")]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayThread]:
    with GatewayThread(["streamfix"]) as gw:
        yield gw


@pytest.fixture(params=["tcp", "ws", "inmemory"])
def g(request: pytest.FixtureRequest, package: Path, gateway: GatewayThread) -> Iterator[Any]:
    import graft_streamfix

    graft_streamfix.configure(url=gateway.url(str(request.param), "streamfix"))
    yield graft_streamfix
    graft_streamfix.streamfix.close()


def test_mypy_strict_on_the_package_and_a_typed_consumer(package: Path, tmp_path: Path) -> None:
    result = mypy(
        [package / "graft_streamfix", CONSUMERS / "streams_consumer.py"],
        search_path=[package],
        cache=tmp_path / "cache",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.output


def test_items_arrive_converted_and_in_order(g: Any) -> None:
    assert list(g.streamfix.count(10_000)) == list(range(10_000))
    assert list(g.streamfix.rows(2)) == [g.Row(0, "row"), g.Row(1, "row")]
    assert list(g.Feed("f").lines(2)) == ["f-0", "f-1"]


def test_a_declared_error_mid_stream_is_the_generated_exception(g: Any) -> None:
    got: list[int] = []
    with pytest.raises(g.Boom) as info:
        for i in g.streamfix.fail_after(3):
            got.append(i)
    assert got == [0, 1, 2] and info.value.after == 3


def test_break_and_close_cancel_the_remote_generator(g: Any) -> None:
    import streamfix

    for i in g.streamfix.tracked("py-break-" + g.__name__ + str(id(g))):
        if i == 2:
            break
    key = "py-close-" + str(id(g))
    with g.streamfix.tracked(key) as stream:
        assert next(stream) == 0
    assert streamfix.closed[key].wait(10)


def test_client_and_bidirectional_streams_take_any_iterable(g: Any) -> None:
    assert g.streamfix.upload("a.bin", (b"xy" for _ in range(1000))) == 2000
    assert g.streamfix.asum(range(100)) == sum(range(100))
    assert list(g.streamfix.doubled([1, 2, 3])) == [2, 4, 6]


def test_the_async_client_streams_with_async_for(g: Any) -> None:
    import streamfix

    key = "py-async-" + str(id(g))

    async def main() -> tuple[list[int], list[int]]:
        async with g.connect_async() as channel:
            client = g.AsyncStreamfixClient(channel)
            counted = [i async for i in client.count(5)]
            seen: list[int] = []
            async with client.tracked(key) as stream:
                async for i in stream:
                    seen.append(i)
                    if i == 2:
                        break
            with pytest.raises(g.Boom):
                async for _ in client.fail_after(1):
                    pass

            async def parts() -> AsyncIterator[bytes]:
                for _ in range(10):
                    yield b"abc"

            assert await client.upload("a.bin", parts()) == 30
            assert [i async for i in client.doubled(range(3))] == [0, 2, 4]
            return counted, seen

    assert trio.run(main) == ([0, 1, 2, 3, 4], [0, 1, 2])
    assert streamfix.closed[key].wait(10)
