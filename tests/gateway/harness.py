"""Runs a gateway in a background thread for tests, with listeners on ephemeral ports."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import trio
from graftcode_runtime.gateway import Gateway, GatewayConfig, HttpRoute, load_modules


class GatewayThread:
    def __init__(
        self,
        modules: Sequence[str],
        config: GatewayConfig | None = None,
        routes: Sequence[HttpRoute] = (),
    ) -> None:
        self.hosted = load_modules(list(modules))
        self.config = config or GatewayConfig(grace_period=2.0)
        self.routes = routes
        self.urls: dict[str, str] = {}
        self.gateway: Gateway | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="test-gateway")

    def _run(self) -> None:
        try:
            trio.run(self._main)
        except BaseException as e:  # surfaced by __enter__ / stop
            self._error = e
            self._ready.set()

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self.gateway = Gateway(self.hosted, self.config, routes=self.routes)

        def listening(url: str) -> None:
            self.urls[url.split(":", 1)[0]] = url  # keyed by scheme: tcp/tls, ws/wss, http

        async with trio.open_nursery() as nursery:
            await nursery.start(self._serve, listening)
            self._ready.set()

    async def _serve(self, listening: Any, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        assert self.gateway is not None
        await self.gateway.serve(
            tcp=("127.0.0.1", 0),
            ws=("127.0.0.1", 0),
            http=("127.0.0.1", 0),
            on_listen=listening,
            task_status=task_status,
        )

    def __enter__(self) -> GatewayThread:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, timeout: float = 30) -> None:
        self.check()
        if self._token is not None and self._thread.is_alive() and self.gateway is not None:
            try:
                trio.from_thread.run_sync(self.gateway.shutdown, trio_token=self._token)
            except trio.RunFinishedError:
                pass
        self._thread.join(timeout)

    @property
    def stopped(self) -> bool:
        return not self._thread.is_alive()

    def check(self) -> None:
        """Fail loudly if the gateway thread died (a gateway must survive any input)."""
        if self._error is not None:
            raise AssertionError(f"the gateway crashed: {self._error!r}") from self._error

    def url(self, transport: str, module: str = "gwfixture") -> str:
        self.check()
        if transport == "inmemory":
            return f"inmemory:{module}"
        return self.urls[transport]

    @property
    def tcp_address(self) -> tuple[str, int]:
        url = self.urls.get("tcp") or self.urls["tls"]
        host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
        return host, int(port)

    def run_sync(self, fn: Any, *args: Any) -> Any:
        assert self._token is not None
        return trio.from_thread.run_sync(fn, *args, trio_token=self._token)
