"""The in-memory transport: a gateway hosting the module in this process, reached through a
byte pipe instead of a socket. Bytes still go through the same core (framing, handshake,
limits) and the same gateway session policy as over TCP, so behaviour is identical; only the
syscalls are gone.

Sync callers get one background thread per process that runs trio and hosts every module
connected in memory; trio callers run the gateway session inside their own nursery. Both pipes
are bounded, so a caller that stops reading makes the gateway stop writing, and then stop
reading, exactly as a full socket would.
"""

from __future__ import annotations

import math
import queue
import threading
from typing import TYPE_CHECKING, Any

import trio

from ..protocol import ConnectionLost
from ._trio import StreamWire

if TYPE_CHECKING:
    from ..gateway import GatewayConfig

PIPE_LIMIT = 1024 * 1024  # bytes a pipe holds before its writer waits (a socket buffer's job)
_CHUNKS = 64  # trio-to-trio pipes count chunks; each is at most one write

_hosted_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()
_config: GatewayConfig | None = None


def set_gateway_config(config: GatewayConfig | None) -> GatewayConfig | None:
    """The configuration of in-memory gateways started from now on (None: the defaults);
    returns the previous one. For tests that need, say, a short handshake timeout."""
    global _config
    previous, _config = _config, config
    return previous


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


class _MemoryStream(trio.abc.Stream):
    """One end of an in-process stream pair: bounded, so `send_all` waits while the other end
    does not read."""

    def __init__(
        self, send: trio.MemorySendChannel[bytes], receive: trio.MemoryReceiveChannel[bytes]
    ) -> None:
        self._send = send
        self._receive = receive

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        try:
            await self._send.send(bytes(data))
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            raise trio.BrokenResourceError("the other end closed") from None

    async def wait_send_all_might_not_block(self) -> None:
        await trio.lowlevel.checkpoint()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        try:
            return await self._receive.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            return b""

    async def aclose(self) -> None:
        await self._send.aclose()
        await self._receive.aclose()


def memory_stream_pair() -> tuple[trio.abc.Stream, trio.abc.Stream]:
    """Two connected in-process streams, each bounded like a socket buffer."""
    a_send, b_receive = trio.open_memory_channel[bytes](_CHUNKS)
    b_send, a_receive = trio.open_memory_channel[bytes](_CHUNKS)
    return _MemoryStream(a_send, a_receive), _MemoryStream(b_send, b_receive)


async def open_inmemory_wire(module: str, nursery: trio.Nursery) -> StreamWire:
    """Start a gateway session for `module` in `nursery`; return the client's end."""
    from ..gateway import Gateway

    gateway = Gateway([hosted_module(module)], _config)
    client_end, server_end = memory_stream_pair()

    async def serve() -> None:
        try:
            await gateway.handle_wire(StreamWire(server_end, "inmemory:"), "inmemory")
        finally:
            gateway.bridge.close()  # this gateway lives exactly as long as its one connection
            gateway.workers.close()

    nursery.start_soon(serve)
    return StreamWire(client_end, f"inmemory:{module}")


# ------------------------------------------------------------------------ sync callers


class _Pipe:
    """Bytes from the gateway's trio thread to one calling thread, bounded by PIPE_LIMIT."""

    def __init__(self, token: trio.lowlevel.TrioToken) -> None:
        self.token = token
        self.chunks: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.held = 0
        self.drained = trio.Event()  # set (in trio) when the reader took it below the limit

    def took(self, n: int) -> None:
        """The reader took `n` bytes (any thread)."""
        with self.lock:
            was_full = self.held >= PIPE_LIMIT
            self.held -= n
            wake = was_full and self.held < PIPE_LIMIT
        if wake:
            try:
                self.token.run_sync_soon(self.drained.set)
            except trio.RunFinishedError:
                pass


class _PipeWire:
    """The gateway's end of a thread pipe."""

    message_mode = False

    def __init__(
        self,
        inbound: trio.MemoryReceiveChannel[bytes],
        outbound: _Pipe,
        credits: threading.Semaphore,
    ) -> None:
        self.peer = "inmemory:"
        self._in = inbound
        self._out = outbound
        self._credits = credits

    async def receive(self) -> bytes | None:
        try:
            data = await self._in.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            return None
        self._credits.release()  # the caller may send one more chunk
        return data

    async def send(self, data: bytes) -> None:
        pipe = self._out
        while True:
            with pipe.lock:
                if pipe.held < PIPE_LIMIT:
                    pipe.held += len(data)
                    break
                pipe.drained = trio.Event()
            await pipe.drained.wait()
        pipe.chunks.put(data)

    async def aclose(self) -> None:
        self._out.chunks.put(b"")
        await self._in.aclose()


class PipeTransport:
    """The caller's end of a thread pipe (a `SyncTransport`)."""

    message_mode = False

    def __init__(
        self,
        token: trio.lowlevel.TrioToken,
        outbound: trio.MemorySendChannel[bytes],
        inbound: _Pipe,
        credits: threading.Semaphore,
        send_timeout: float | None = None,
    ) -> None:
        self._token = token
        self._send_timeout = send_timeout
        self._out = outbound
        self._in = inbound
        self._eof = False
        self._credits = credits  # chunks the gateway has not read yet, at most _CHUNKS

    def send(self, data: bytes) -> None:
        # The gateway stopped reading: wait, as a full socket would (and time out like one).
        if not self._credits.acquire(timeout=self._send_timeout):
            raise ConnectionLost("connection lost while sending: timed out")
        try:
            self._token.run_sync_soon(self._send_in_trio, data)
        except trio.RunFinishedError:
            self._credits.release()
            raise ConnectionLost("the in-memory gateway has stopped") from None

    def _send_in_trio(self, data: bytes) -> None:
        try:
            self._out.send_nowait(data)  # the credits bound what the channel holds
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            self._credits.release()

    def recv(self, timeout: float | None) -> bytes:
        if self._eof:
            return b""
        try:
            data = self._in.chunks.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if not data:
            self._eof = True
        else:
            self._in.took(len(data))
        return data

    def close(self) -> None:
        try:
            self._token.run_sync_soon(self._out.close)
        except trio.RunFinishedError:
            pass


class _Host:
    """A daemon thread running trio, with one gateway per module (and configuration)."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self._gateways: dict[tuple[str, Any], Any] = {}
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

    def connect(self, module: str, send_timeout: float | None) -> PipeTransport:
        from ..gateway import Gateway

        hosted = hosted_module(module)
        token = self._token
        assert token is not None
        to_client = _Pipe(token)
        config = _config

        def start() -> trio.MemorySendChannel[bytes]:
            gateway = self._gateways.get((module, config))
            if gateway is None:
                gateway = self._gateways[(module, config)] = Gateway([hosted], config)
            send, receive = trio.open_memory_channel[bytes](math.inf)
            assert self._nursery is not None
            wire = _PipeWire(receive, to_client, window)
            self._nursery.start_soon(gateway.handle_wire, wire, "inmemory")
            return send

        window = threading.Semaphore(_CHUNKS)
        to_gateway = trio.from_thread.run_sync(start, trio_token=token)
        return PipeTransport(token, to_gateway, to_client, window, send_timeout)


_host: _Host | None = None
_host_lock = threading.Lock()


def open_inmemory_transport(module: str, send_timeout: float | None = None) -> PipeTransport:
    """A pipe to the in-memory gateway hosting `module`; a send waits at most `send_timeout`
    seconds for the gateway to read (None: as long as it takes)."""
    global _host
    with _host_lock:
        if _host is None:
            _host = _Host()
    return _host.connect(module, send_timeout)
