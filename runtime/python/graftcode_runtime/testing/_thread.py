"""A gateway in a background thread of the test process, with listeners on ephemeral ports."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import trio

from ..gateway import Gateway, GatewayConfig, HostedModule, HttpRoute, load_modules


class GatewayThread:
    """`with GatewayThread(["calculator"]) as gw: connect(gw.url("tcp"))`.

    Serves TCP (or TLS), WebSocket and HTTP on 127.0.0.1, ephemeral ports; `urls` maps each
    listener's scheme (tcp/tls, ws/wss, http) to its URL. Leaving the block shuts the gateway
    down gracefully and joins its thread; `check()` fails loudly if the gateway thread died,
    because a gateway must survive any input."""

    def __init__(
        self,
        modules: Sequence[str] | Sequence[HostedModule],
        config: GatewayConfig | None = None,
        routes: Sequence[HttpRoute] = (),
    ) -> None:
        self.hosted: list[HostedModule] = [
            m for m in modules if isinstance(m, HostedModule)
        ] or load_modules([str(m) for m in modules])
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
        except BaseException as e:  # surfaced by __enter__ / stop / check
            self._error = e
            self._ready.set()

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self.gateway = Gateway(self.hosted, self.config, routes=self.routes)

        def listening(url: str) -> None:
            self.urls[url.split(":", 1)[0]] = url

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

    def url(self, transport: str, module: str | None = None) -> str:
        """The URL of a listener (`tcp`, `tls`, `ws`, `wss`, `http`), or `inmemory:MODULE`."""
        self.check()
        if transport == "inmemory":
            return f"inmemory:{module or self.hosted[0].name}"
        return self.urls[transport]

    def address(self, kind: str = "tcp") -> tuple[str, int]:
        """(host, port) of a listener: `tcp` means the TCP one, with or without TLS."""
        url = self.urls.get(kind) or self.urls[{"tcp": "tls", "ws": "wss"}.get(kind, kind)]
        host, port = url.split("://", 1)[1].rstrip("/").rsplit(":", 1)
        return host.strip("[]"), int(port)

    @property
    def tcp_address(self) -> tuple[str, int]:
        return self.address("tcp")

    def run_sync(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` in the gateway's trio thread."""
        assert self._token is not None
        return trio.from_thread.run_sync(fn, *args, trio_token=self._token)


@contextlib.contextmanager
def inmemory_gateway_config(config: GatewayConfig) -> Iterator[None]:
    """Within the block, `inmemory:` connections opened from now on reach gateways with this
    configuration (a short handshake timeout, small limits...)."""
    from ..transport._inmemory import set_gateway_config

    previous = set_gateway_config(config)
    try:
        yield
    finally:
        set_gateway_config(previous)
