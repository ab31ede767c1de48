"""The in-memory transport: a gateway hosting the module in this process, reached through a
byte pipe instead of a socket. Bytes still go through the same core (framing, handshake,
limits) and the same gateway session as over TCP, so behaviour is identical; only the syscalls
are gone.

Sync callers get one background thread per process that runs trio and hosts every module
connected in memory; trio callers run the gateway session inside their own nursery.
"""

from __future__ import annotations

import math
import queue
import threading
from typing import Any

import trio
import trio.testing

from ._trio import StreamWire

_hosted_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


def hosted_module(name: str) -> Any:
    """Import and export `name` once per process."""
    from ..gateway import HostedModule, load_modules

    with _cache_lock:
        h = _hosted_cache.get(name)
        if h is None:
            h = load_modules([name])[0]
            _hosted_cache[name] = h
        assert isinstance(h, HostedModule)
        return h


# ------------------------------------------------------------------------ trio callers


async def open_inmemory_wire(module: str, nursery: trio.Nursery) -> StreamWire:
    """Start a gateway session for `module` in `nursery`; return the client's end."""
    from ..gateway import Gateway

    gateway = Gateway([hosted_module(module)])
    client_end, server_end = trio.testing.memory_stream_pair()

    async def serve() -> None:
        try:
            await gateway.handle_wire(StreamWire(server_end, "inmemory:"), "inmemory")
        finally:
            gateway.bridge.close()  # this gateway lives exactly as long as its one connection
            gateway.workers.close()

    nursery.start_soon(serve)
    return StreamWire(client_end, f"inmemory:{module}")


# ------------------------------------------------------------------------ sync callers


class _PipeWire:
    """The gateway's end of a thread pipe."""

    message_mode = False

    def __init__(
        self, inbound: trio.MemoryReceiveChannel[bytes], outbound: queue.SimpleQueue[bytes]
    ) -> None:
        self.peer = "inmemory:"
        self._in = inbound
        self._out = outbound

    async def receive(self) -> bytes | None:
        try:
            return await self._in.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            return None

    async def send(self, data: bytes) -> None:
        self._out.put(data)

    async def aclose(self) -> None:
        self._out.put(b"")
        await self._in.aclose()


class PipeTransport:
    """The caller's end of a thread pipe (a `SyncTransport`)."""

    message_mode = False

    def __init__(
        self,
        token: trio.lowlevel.TrioToken,
        outbound: trio.MemorySendChannel[bytes],
        inbound: queue.SimpleQueue[bytes],
    ) -> None:
        self._token = token
        self._out = outbound
        self._in = inbound
        self._eof = False

    def send(self, data: bytes) -> None:
        from ..protocol._errors import ConnectionLost

        try:
            self._token.run_sync_soon(self._send_in_trio, data)
        except trio.RunFinishedError:
            raise ConnectionLost("the in-memory gateway has stopped") from None

    def _send_in_trio(self, data: bytes) -> None:
        try:
            self._out.send_nowait(data)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass

    def recv(self, timeout: float | None) -> bytes:
        if self._eof:
            return b""
        try:
            data = self._in.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if not data:
            self._eof = True
        return data

    def close(self) -> None:
        try:
            self._token.run_sync_soon(self._out.close)
        except trio.RunFinishedError:
            pass


class _Host:
    """A daemon thread running trio, with one gateway per module connected so far."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self._gateways: dict[str, Any] = {}
        thread = threading.Thread(
            target=trio.run, args=(self._main,), daemon=True, name="graftcode-inmemory"
        )
        thread.start()
        self._ready.wait()

    async def _main(self) -> None:
        async with trio.open_nursery() as nursery:
            self._token = trio.lowlevel.current_trio_token()
            self._nursery = nursery
            self._ready.set()
            await trio.sleep_forever()

    def connect(self, module: str) -> PipeTransport:
        from ..gateway import Gateway

        hosted = hosted_module(module)
        assert self._token is not None
        to_client: queue.SimpleQueue[bytes] = queue.SimpleQueue()

        def start() -> trio.MemorySendChannel[bytes]:
            gateway = self._gateways.get(module)
            if gateway is None:
                gateway = self._gateways[module] = Gateway([hosted])
            send, receive = trio.open_memory_channel[bytes](math.inf)
            assert self._nursery is not None
            self._nursery.start_soon(gateway.handle_wire, _PipeWire(receive, to_client), "inmemory")
            return send

        to_gateway = trio.from_thread.run_sync(start, trio_token=self._token)
        return PipeTransport(self._token, to_gateway, to_client)


_host: _Host | None = None
_host_lock = threading.Lock()


def open_inmemory_transport(module: str) -> PipeTransport:
    global _host
    with _host_lock:
        if _host is None:
            _host = _Host()
    return _host.connect(module)
