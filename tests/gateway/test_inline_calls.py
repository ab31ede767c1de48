"""The threaded engine's leader runs short calls itself (gateway/_thread_engine.py): a member
that blocks or spins there must not stall other connections (the watchdog hands the lead to
another thread), a member found slow goes to the worker threads, and GRAFTCODE_TCP_INLINE=0
sends every call to them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from graftcode_runtime import connect
from graftcode_runtime.gateway import GatewayConfig, _thread_engine
from graftcode_runtime.gateway._thread_engine import (
    ThreadedEngine,
    engine_for,
    threaded_tcp_enabled,
)
from harness import GatewayThread

LIMIT = 60.0  # a stalled gateway makes the blocked call give up after this: False, not True

pytestmark = pytest.mark.skipif(
    not threaded_tcp_enabled(), reason="GRAFTCODE_TCP_ENGINE=trio: no threaded engine"
)


def _eventually(check: Callable[[], bool]) -> bool:
    """The engine books a call after its answer is written: give it a moment."""
    give_up = time.monotonic() + 30
    while not check() and time.monotonic() < give_up:
        time.sleep(0.01)
    return check()


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayThread]:
    with GatewayThread(["inlinefix"], GatewayConfig(grace_period=1)) as g:
        yield g


def _engine(gw: GatewayThread) -> ThreadedEngine:
    assert gw.gateway is not None
    return engine_for(gw.gateway)


def _blocked_call_released(gw: GatewayThread, member: str, name: str) -> bool:
    """Start `member(name)` on one connection; from another, wait until it runs, then release
    it. Every call of the second connection is answered while the first call still runs."""
    url = gw.url("tcp", "inlinefix")
    result: dict[str, Any] = {}

    def blocked() -> None:
        with connect(url) as c:
            result["value"] = c.call(member, name, LIMIT)

    t = threading.Thread(target=blocked)
    t.start()
    with connect(url) as other:
        while not other.call("started", name):
            assert other.call("add", 1, 2) == 3
        assert other.call("add", 2, 2) == 4  # answered while the blocked call still runs
        other.call("release", name)
    t.join(LIMIT + 10)
    return bool(result.get("value"))


def test_short_calls_run_on_the_leader(gw: GatewayThread) -> None:
    engine = _engine(gw)
    with connect(gw.url("tcp", "inlinefix")) as c:
        before = engine.stats()["inline"]
        for i in range(50):
            assert c.call("add", i, 1) == i + 1
    assert engine.stats()["inline"] > before


def test_a_member_blocking_on_the_leader_does_not_stall_others(gw: GatewayThread) -> None:
    engine = _engine(gw)
    deposed = engine.stats()["deposed"]
    assert _blocked_call_released(gw, "wait_for", "first")
    stats = engine.stats()
    assert stats["deposed"] > deposed  # it ran on the leader, and the watchdog took over
    assert _eventually(lambda: engine.stats()["slow_members"] >= 1)  # now it goes to workers
    workers = stats["worker"]
    assert _blocked_call_released(gw, "wait_for", "second")
    assert engine.stats()["worker"] > workers  # the second one ran on a worker


def test_a_member_spinning_on_the_leader_does_not_stall_others(gw: GatewayThread) -> None:
    engine = _engine(gw)
    deposed = engine.stats()["deposed"]
    assert _blocked_call_released(gw, "spin_for", "spin")
    assert engine.stats()["deposed"] > deposed


def test_inline_off_sends_every_call_to_the_workers(
    gw: GatewayThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_thread_engine, "INLINE", False)
    engine = _engine(gw)
    with connect(gw.url("tcp", "inlinefix")) as c:
        before = engine.stats()
        for i in range(20):
            assert c.call("add", i, 1) == i + 1
    after = engine.stats()
    assert after["inline"] == before["inline"]
    assert after["worker"] >= before["worker"] + 20
