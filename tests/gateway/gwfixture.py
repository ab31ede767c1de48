"""A module hosted by the gateway tests: slow, async, failing and stateful members."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref

from graftcode_runtime import context

__version__ = "0.3.0"

_live: weakref.WeakSet[Counter] = weakref.WeakSet()
_started = threading.Event()


class Overdrawn(Exception):
    """Raised when a withdrawal is larger than the balance."""

    balance: int
    wanted: int

    def __init__(self, balance: int, wanted: int) -> None:
        super().__init__(f"balance {balance}, wanted {wanted}")
        self.balance = balance
        self.wanted = wanted


def echo(value: str) -> str:
    """Return `value`."""
    return value


def echo_bytes(data: bytes) -> bytes:
    """Return `data`."""
    return data


def delayed(value: int, seconds: float) -> int:
    """Return `value` after sleeping `seconds` (in a worker thread)."""
    time.sleep(seconds)
    return value


async def delayed_async(value: int, seconds: float) -> int:
    """Return `value` after `seconds` on the asyncio loop."""
    await asyncio.sleep(seconds)
    return value


async def wait_forever() -> int:
    """Sleep until cancelled; records that it started and that it was cancelled."""
    _started.set()
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        _cancelled.append("wait_forever")
        raise
    return 0


_cancelled: list[str] = []


def poll_until_cancelled(limit: float) -> bool:
    """Block (in a worker thread) until the caller cancels or `limit` seconds pass."""
    ctx = context.current()
    if ctx is not None and ctx.wait_cancelled(limit):
        _cancelled.append("poll_until_cancelled")
        return True
    return False


def cancelled_calls() -> list[str]:
    """Names of the async calls that saw their cancellation."""
    return list(_cancelled)


def withdraw(balance: int, amount: int) -> int:
    """What is left after withdrawing `amount`.

    Raises:
        Overdrawn: when `amount` is larger than `balance`.
    """
    if amount > balance:
        raise Overdrawn(balance, amount)
    return balance - amount


def crash(message: str) -> int:
    """Raise an exception that is not declared."""
    raise RuntimeError(message)


def whoami() -> dict[str, str]:
    """The request context as the hosted code sees it."""
    ctx = context.current()
    if ctx is None:
        return {}
    out = dict(ctx.metadata)
    out["peer"] = ctx.peer
    out["has_deadline"] = "yes" if ctx.deadline is not None else "no"
    return out


async def whoami_async() -> dict[str, str]:
    """The request context as an asyncio coroutine sees it, after an await (the context must
    survive the hop onto the gateway's asyncio loop and the task switch)."""
    await asyncio.sleep(0)
    ctx = context.current()
    if ctx is None:
        return {}
    out = dict(ctx.metadata)
    out["traceparent_attr"] = ctx.traceparent or ""
    out["loop"] = type(asyncio.get_running_loop()).__module__
    return out


def greet(name: str, /, greeting: str = "hello", *, punctuation: str = "!") -> str:
    """Positional-only, ordinary and keyword-only parameters with defaults."""
    return f"{greeting} {name}{punctuation}"


def nested(depth: int) -> list[int]:
    """A list of `depth` integers."""
    return list(range(depth))


def live_counters() -> int:
    """How many Counter instances are alive (after a garbage collection)."""
    import gc

    gc.collect()
    return len(_live)


class Counter:
    """A counter owned by the connection that created it."""

    label: str

    def __init__(self, start: int = 0) -> None:
        self._value = start
        self.label = "counter"
        _live.add(self)

    def increment(self, by: int = 1) -> int:
        """Add `by` and return the new value."""
        self._value += by
        return self._value

    @property
    def value(self) -> int:
        """The current value."""
        return self._value

    @staticmethod
    def kind() -> str:
        """What this is."""
        return "counter"

    def twin(self) -> Counter:
        """A new counter with the same value."""
        return Counter(self._value)
