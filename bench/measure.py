"""Measurement loops shared by every system's client, so all are timed the same way.

A system supplies a `Caller` factory (sync) or an async one (trio). Sync concurrency uses threads,
each with its own caller unless the system shares one connection (gRPC's channel does);
async concurrency uses tasks sharing one caller (one connection, multiplexed).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

ECHO_SIZES = (1024, 64 * 1024, 1024 * 1024)
LEVELS = (1, 8, 64)


@dataclass
class Settings:
    seq_calls: int = 20_000
    warmup_calls: int = 2_000
    echo_seconds: float = 1.5
    user_seconds: float = 2.0
    level_seconds: float = 2.0
    level_warmup: float = 0.3

    @classmethod
    def quick(cls) -> Settings:
        return cls(2_000, 200, 0.3, 0.3, 0.4, 0.1)


class Caller(Protocol):
    def add(self, a: int, b: int) -> int: ...
    def echo(self, data: bytes) -> bytes: ...
    def get_user(self, id: int) -> Any: ...
    def close(self) -> None: ...


class AsyncCaller(Protocol):
    async def add(self, a: int, b: int) -> int: ...
    async def echo(self, data: bytes) -> bytes: ...
    async def get_user(self, id: int) -> Any: ...
    async def aclose(self) -> None: ...


def read_user(u: Any) -> None:
    """Touch every field, as a real caller would (dicts and objects alike)."""
    if isinstance(u, dict):
        for k in ("id", "name", "email", "score", "active", "tags", "counts", "address"):
            u[k]
    else:
        for k in ("id", "name", "email", "score", "active", "tags", "counts", "address"):
            getattr(u, k)


def _pct(samples: list[int], p: float) -> float:
    samples.sort()
    return samples[min(len(samples) - 1, int(len(samples) * p))] / 1000.0


def run_sync(make: Callable[[], Caller], s: Settings, *, shared: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    c = make()
    try:
        assert c.add(1, 2) == 3
        for _ in range(s.warmup_calls):
            c.add(1, 2)
        lat: list[int] = []
        now = time.perf_counter_ns
        t_start = now()
        for _ in range(s.seq_calls):
            t0 = now()
            c.add(1, 2)
            lat.append(now() - t0)
        total = (now() - t_start) / 1e9
        out["add_p50_us"] = _pct(lat, 0.50)
        out["add_p99_us"] = _pct(lat, 0.99)
        out["add_seq_per_s"] = s.seq_calls / total
        for size in ECHO_SIZES:
            payload = b"x" * size
            assert c.echo(payload) == payload
            n, t0f, deadline = 0, time.perf_counter(), time.perf_counter() + s.echo_seconds
            while time.perf_counter() < deadline:
                c.echo(payload)
                n += 1
            rate = n / (time.perf_counter() - t0f)
            out[f"echo_{size}_per_s"] = rate
            out[f"echo_{size}_mb_s"] = rate * size / 1e6
        n, t0f, deadline = 0, time.perf_counter(), time.perf_counter() + s.user_seconds
        while time.perf_counter() < deadline:
            read_user(c.get_user(n))
            n += 1
        out["user_per_s"] = n / (time.perf_counter() - t0f)
    finally:
        if not shared:
            c.close()
    for level in LEVELS:
        out[f"add_x{level}_per_s"] = _threads(make if not shared else (lambda: c), level, s, shared)
    if shared:
        c.close()
    return out


def _threads(make: Callable[[], Caller], level: int, s: Settings, shared: bool) -> float:
    # Callers are made inside their thread: some libraries (Pyro5) bind a proxy to its thread.
    counts = [0] * level
    errors: list[BaseException] = []
    state = {"counting": False, "stop": False}
    ready = threading.Barrier(level + 1)

    def worker(i: int) -> None:
        c = make()
        try:
            ready.wait()
            while not state["stop"]:
                c.add(1, 2)
                if state["counting"]:
                    counts[i] += 1
        except BaseException as e:
            errors.append(e)
            state["stop"] = True
        finally:
            if not shared:
                c.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(level)]
    for t in threads:
        t.start()
    ready.wait()
    time.sleep(s.level_warmup)
    state["counting"] = True
    t0 = time.perf_counter()
    time.sleep(s.level_seconds)
    state["counting"] = False
    elapsed = time.perf_counter() - t0
    state["stop"] = True
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"a caller thread failed at x{level}: {errors[0]!r}")
    return sum(counts) / elapsed


async def run_async(make: Callable[[], Awaitable[AsyncCaller]], s: Settings) -> dict[str, Any]:
    import trio

    out: dict[str, Any] = {}
    c = await make()
    try:
        assert await c.add(1, 2) == 3
        for _ in range(s.warmup_calls):
            await c.add(1, 2)
        lat: list[int] = []
        now = time.perf_counter_ns
        t_start = now()
        for _ in range(s.seq_calls):
            t0 = now()
            await c.add(1, 2)
            lat.append(now() - t0)
        total = (now() - t_start) / 1e9
        out["add_p50_us"] = _pct(lat, 0.50)
        out["add_p99_us"] = _pct(lat, 0.99)
        out["add_seq_per_s"] = s.seq_calls / total
        for size in ECHO_SIZES:
            payload = b"x" * size
            assert await c.echo(payload) == payload
            n, t0f, deadline = 0, time.perf_counter(), time.perf_counter() + s.echo_seconds
            while time.perf_counter() < deadline:
                await c.echo(payload)
                n += 1
            rate = n / (time.perf_counter() - t0f)
            out[f"echo_{size}_per_s"] = rate
            out[f"echo_{size}_mb_s"] = rate * size / 1e6
        n, t0f, deadline = 0, time.perf_counter(), time.perf_counter() + s.user_seconds
        while time.perf_counter() < deadline:
            read_user(await c.get_user(n))
            n += 1
        out["user_per_s"] = n / (time.perf_counter() - t0f)

        for level in LEVELS:
            counts = [0] * level
            state = {"counting": False, "stop": False}

            async def worker(i: int) -> None:
                while not state["stop"]:
                    await c.add(1, 2)
                    if state["counting"]:
                        counts[i] += 1

            async with trio.open_nursery() as nursery:
                for i in range(level):
                    nursery.start_soon(worker, i)
                await trio.sleep(s.level_warmup)
                state["counting"] = True
                t0 = time.perf_counter()
                await trio.sleep(s.level_seconds)
                state["counting"] = False
                elapsed = time.perf_counter() - t0
                state["stop"] = True
            out[f"add_x{level}_per_s"] = sum(counts) / elapsed
    finally:
        await c.aclose()
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)
