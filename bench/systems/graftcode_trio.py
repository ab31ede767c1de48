"""graftcode's generated async client under trio over TCP; caller tasks share one connection."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import trio
from _graft_gen import load
from _main import main
from measure import Settings, run_async

graft_service = load()


class AsyncGraftCaller:
    def __init__(self, stack: contextlib.AsyncExitStack, client: Any) -> None:
        self._stack = stack
        self.add, self.echo, self.get_user = client.add, client.echo, client.get_user

    async def aclose(self) -> None:
        await self._stack.aclose()


def serve() -> None:
    sys.exit("the graftcode server is `graftc serve` (see run.py)")


def client(port: str, s: Settings) -> dict[str, Any]:
    async def make() -> AsyncGraftCaller:
        stack = contextlib.AsyncExitStack()
        channel = await stack.enter_async_context(
            graft_service.connect_async(f"tcp://127.0.0.1:{port}")
        )
        return AsyncGraftCaller(stack, graft_service.AsyncServiceClient(channel))

    result: dict[str, Any] = trio.run(run_async, make, s)
    return result


if __name__ == "__main__":
    main(serve, client)
