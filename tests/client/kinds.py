"""The client objects the driver tests run against, behind one awaitable interface.

Four kinds: the dynamic blocking client (`connect`), the dynamic trio client (`connect_async`),
and the generated blocking and trio clients (graft_calculator's classes on `Channel` and
`AsyncChannel`; for the gwfixture module, which has no generated package, the binding's
channels directly). Every test runs in `trio.run`; the blocking kinds simply block it.

Only public names are used, so that the tests also run against the runtime before the client
redesign (where the binding lived in `graftcode_runtime.config`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import graft_calculator
from graft_calculator import (
    Accumulator,
    AsyncAccumulator,
    AsyncCalculatorClient,
    CalculatorClient,
)
from graftcode_runtime import connect, connect_async

try:
    from graftcode_runtime.binding import ModuleBinding, Settings
except ImportError:  # the runtime before the client redesign
    from graftcode_runtime.config import ModuleBinding, Settings  # type: ignore[no-redef]

try:
    from graftcode_runtime.protocol import Call, Cancel, Error, GoAway, Result
except ImportError:  # the runtime before the client redesign
    from graftcode_runtime._events import (  # type: ignore[no-redef]
        Call,
        Cancel,
        Error,
        GoAway,
        Result,
    )

__all__ = [
    "KINDS",
    "TRANSPORTS",
    "Call",
    "Cancel",
    "Error",
    "GoAway",
    "Result",
    "bounded",
    "open_client",
]

KINDS = ("sync", "trio", "sync-generated", "trio-generated")
TRANSPORTS = ("tcp", "ws")

GWFIXTURE = ModuleBinding("gwfixture", Settings())


class Api:
    """What a test does with a client: the calculator's `add` and `Accumulator`, or any
    top-level function of the module by name. `timeout` and `_timeout` are the call's own
    timeout (as the dynamic clients name it)."""

    module: str

    async def add(self, a: int, b: int, timeout: float | None = None) -> int:
        raise NotImplementedError

    async def accumulator(self, start: float) -> Any:
        raise NotImplementedError

    async def acc_add(self, acc: Any, amount: float) -> float:
        raise NotImplementedError

    async def call(self, member: str, /, *, _timeout: float | None = None, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class _Sync(Api):
    def __init__(self, client: Any, module: str) -> None:
        self.c, self.module = client, module

    async def add(self, a: int, b: int, timeout: float | None = None) -> int:
        return int(self.c.call("add", a, b, _timeout=timeout))

    async def accumulator(self, start: float) -> Any:
        return self.c.new("Accumulator", start)

    async def acc_add(self, acc: Any, amount: float) -> float:
        return float(acc.call("add", amount))

    async def call(self, member: str, /, *, _timeout: float | None = None, **kwargs: Any) -> Any:
        return self.c.call(member, _timeout=_timeout, **kwargs)

    async def close(self) -> None:
        self.c.close()


class _Trio(_Sync):
    async def add(self, a: int, b: int, timeout: float | None = None) -> int:
        return int(await self.c.call("add", a, b, _timeout=timeout))

    async def accumulator(self, start: float) -> Any:
        return await self.c.new("Accumulator", start)

    async def acc_add(self, acc: Any, amount: float) -> float:
        return float(await acc.call("add", amount))

    async def call(self, member: str, /, *, _timeout: float | None = None, **kwargs: Any) -> Any:
        return await self.c.call(member, _timeout=_timeout, **kwargs)

    async def close(self) -> None:
        await self.c.aclose()


class _SyncGenerated(Api):
    def __init__(self, channel: Any, module: str) -> None:
        self.ch, self.module = channel, module

    async def add(self, a: int, b: int, timeout: float | None = None) -> int:
        calc = CalculatorClient(self.ch)
        return (calc if timeout is None else calc.with_options(timeout=timeout)).add(a, b)

    async def accumulator(self, start: float) -> Any:
        return Accumulator(start, _channel=self.ch)

    async def acc_add(self, acc: Any, amount: float) -> float:
        return float(acc.add(amount))

    async def call(self, member: str, /, *, _timeout: float | None = None, **kwargs: Any) -> Any:
        return self._channel(_timeout).invoke("call", self.module, member, (), kwargs)

    def _channel(self, timeout: float | None) -> Any:
        return self.ch if timeout is None else self.ch.with_options(timeout=timeout)

    async def close(self) -> None:
        self.ch.close()


class _TrioGenerated(_SyncGenerated):
    async def add(self, a: int, b: int, timeout: float | None = None) -> int:
        calc = AsyncCalculatorClient(self.ch)
        return await (calc if timeout is None else calc.with_options(timeout=timeout)).add(a, b)

    async def accumulator(self, start: float) -> Any:
        return await AsyncAccumulator.create(self.ch, start)

    async def acc_add(self, acc: Any, amount: float) -> float:
        return float(await acc.add(amount))

    async def call(self, member: str, /, *, _timeout: float | None = None, **kwargs: Any) -> Any:
        return await self._channel(_timeout).invoke("call", self.module, member, (), kwargs)

    async def close(self) -> None:
        raise NotImplementedError("an AsyncChannel closes when its context is left")


@asynccontextmanager
async def open_client(
    kind: str, url: str, module: str = "calculator", **options: Any
) -> AsyncIterator[Api]:
    """A client of `kind` for `module` at `url`, closed on leaving the context. `options` are
    connect options every kind takes (`connect_timeout`)."""
    if kind == "sync":
        client = connect(url, module=module, **options)
        try:
            yield _Sync(client, module)
        finally:
            client.close()
    elif kind == "trio":
        async with connect_async(url, module=module, **options) as aclient:
            yield _Trio(aclient, module)
    else:
        binding = graft_calculator if module == "calculator" else GWFIXTURE
        if kind == "sync-generated":
            channel = binding.connect(url, **options)
            try:
                yield _SyncGenerated(channel, module)
            finally:
                channel.close()
        else:
            assert kind == "trio-generated", kind
            async with binding.connect_async(url, **options) as achannel:
                yield _TrioGenerated(achannel, module)


def bounded(fn: Callable[[], object], seconds: float) -> tuple[float, object]:
    """Run a blocking `fn` in a thread: the seconds it took and what it returned or raised.
    Fails the test if it is still running after `seconds` (the thread is left behind, blocked
    on a server the test's fixtures close)."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(fn())
        except BaseException as e:
            outcome.append(e)

    start = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    elapsed = time.monotonic() - start
    if thread.is_alive():
        raise AssertionError(f"still blocked after {seconds:g} s")
    return elapsed, outcome[0]
