"""The trio client: one reader task per connection routes answers to the calls waiting for
them, so any number of tasks can call concurrently over one connection."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import trio

from ..protocol._connection import CLIENT, Connection, Framing, State
from ..protocol._errors import (
    Cancelled,
    ConnectionLost,
    DeadlineExceeded,
    GraftError,
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    StatusCode,
)
from ..protocol._events import (
    NEED_DATA,
    Cancel,
    ConnectionClosed,
    Error,
    GoAway,
    Hello,
    Ping,
    Pong,
    Release,
    Result,
)
from ..protocol._limits import Limits
from ..protocol._remote_errors import error_from_event, error_from_goaway
from ..transport._trio import Wire
from ._callspec import CallSpec
from ._remote import AsyncRemoteObject, ProxyTable, unwrap_args, wrap_result_async
from ._sync import AGENT, to_call

_GONE = (trio.BrokenResourceError, trio.ClosedResourceError)


class _Slot:
    __slots__ = ("event", "reply")

    def __init__(self) -> None:
        self.event = trio.Event()
        self.reply: Any = None


class AsyncClient:
    """A connection to one module on a gateway, for trio programs. Open it with
    `async with graftcode_runtime.connect_async(url) as client:`."""

    def __init__(
        self,
        wire: Wire,
        *,
        module: str = "",
        url: str = "",
        limits: Limits | None = None,
        metadata: Mapping[str, str] | None = None,
        timeout: float | None = None,
        auth: str | bytes | None = None,
        schema: str = "",
    ) -> None:
        self.url = url
        self._wire = wire
        framing = Framing.MESSAGE if wire.message_mode else Framing.STREAM
        self._conn = Connection(CLIENT, limits or Limits(), framing=framing)
        self._hello_out = Hello(
            module=module, schema=schema, auth=auth, agent=AGENT, limits=self._conn.limits
        )
        self._send_lock = trio.Lock()
        self._slots: dict[int, _Slot] = {}
        self._pongs: dict[int, _Slot] = {}
        self._pings = 0
        self._lost: GraftError | None = None
        self._hello = _Slot()
        self.default_timeout = timeout
        self.default_metadata = dict(metadata or {})
        self.goaway: GoAway | None = None
        self.server_hello: Hello | None = None
        self.proxies = ProxyTable().bind(self)

    async def _start(self, nursery: trio.Nursery, timeout: float | None) -> None:
        nursery.start_soon(self._reader)
        await self._send(self._hello_out)
        with trio.fail_after(math.inf if timeout is None else timeout):
            await self._hello.event.wait()
        reply = self._hello.reply
        if isinstance(reply, GoAway):
            raise error_from_goaway(reply, during_handshake=True)
        if not isinstance(reply, Hello):
            raise self._lost or ConnectionLost("no handshake answer")
        self.server_hello = reply

    @property
    def connected(self) -> bool:
        """False once the connection is closed or lost."""
        return self._lost is None

    @property
    def module(self) -> str:
        return self.server_hello.module if self.server_hello else ""

    @property
    def version(self) -> str:
        return self.server_hello.version if self.server_hello else ""

    @property
    def schema_hash(self) -> str:
        return self.server_hello.schema if self.server_hello else ""

    @property
    def service(self) -> str:
        return self.module.rpartition(".")[2]

    async def _send(self, ev: Any) -> None:
        async with self._send_lock:
            if self._lost is not None:
                raise self._lost
            data = self._conn.send(ev)
            try:
                await self._wire.send(data)
            except _GONE:
                self._fail(ConnectionLost("the connection to the gateway was lost"))
                raise self._lost from None  # type: ignore[misc]

    async def _reader(self) -> None:
        conn = self._conn
        try:
            while True:
                while (ev := conn.next_event()) is not NEED_DATA:
                    if isinstance(ev, ConnectionClosed):
                        self._fail(ConnectionLost("the gateway closed the connection"))
                        return
                    await self._route(ev)
                data = await self._wire.receive()
                conn.receive_data(data or b"")
        except RemoteProtocolError as e:
            try:
                await self._wire.send(conn.send(conn.goaway_for(e)))
            except (*_GONE, LocalProtocolError):
                pass
            self._fail(ProtocolError(f"the gateway broke the protocol: {e.message}", code=e.code))

    async def _route(self, ev: Any) -> None:
        t = type(ev)
        if t is Result or t is Error:
            slot = self._slots.pop(ev.id, None)
            if slot is not None:
                slot.reply = ev
                slot.event.set()
        elif t is Pong:
            slot = self._pongs.pop(ev.opaque, None)
            if slot is not None:
                slot.reply = ev
                slot.event.set()
        elif t is Ping:
            await self._send(Pong(ev.opaque))
        elif t is Hello:
            self._hello.reply = ev
            self._hello.event.set()
        elif t is GoAway:
            self._goaway(ev)

    def _goaway(self, g: GoAway) -> None:
        self.goaway = g
        if not self._hello.event.is_set():
            self._hello.reply = g
            self._hello.event.set()
            return
        err = error_from_goaway(g)
        for cid in list(self._slots):
            if cid > g.last_id or g.code is not StatusCode.OK:
                slot = self._slots.pop(cid)
                slot.reply = err
                slot.event.set()
        if g.code is not StatusCode.OK:
            self._fail(err)

    def _fail(self, err: GraftError) -> None:
        if self._lost is None:
            self._lost = err
        self._hello.event.set()
        for slots in (self._slots, self._pongs):
            for slot in slots.values():
                slot.event.set()
            slots.clear()

    async def invoke(
        self,
        spec: CallSpec,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> object:
        """Run one remote operation; wire values in, wire values out. Cancelling the calling
        task sends CANCEL to the gateway."""
        if timeout is None:
            timeout = self.default_timeout
        md = {**self.default_metadata, **metadata} if metadata else self.default_metadata
        slot = _Slot()
        async with self._send_lock:
            if self._lost is not None:
                raise self._lost
            if self.goaway is not None:
                raise error_from_goaway(self.goaway)
            dropped = self.proxies.take_dropped()
            if dropped:  # proxies the garbage collector took, released before the next call
                await self._wire.send(self._conn.send(Release(dropped)))
            call_id = self._conn.next_call_id()
            data = self._conn.send(to_call(call_id, spec, timeout, md))
            self._slots[call_id] = slot
            try:
                await self._wire.send(data)
            except _GONE:
                self._fail(ConnectionLost("the connection to the gateway was lost"))
        answered = False
        try:
            if timeout is None:  # no cancel scope to register and tear down on every call
                await slot.event.wait()
            else:
                with trio.move_on_after(timeout):
                    await slot.event.wait()
            answered = slot.reply is not None
        finally:
            if not answered:
                self._slots.pop(call_id, None)
                if self.connected and call_id in self._conn.calls_in_flight:
                    with trio.CancelScope(shield=True), trio.move_on_after(1):
                        try:
                            await self._send(Cancel(call_id))
                        except GraftError:
                            pass
        reply = slot.reply
        if reply is None:
            if self._lost is not None:
                raise self._lost
            raise DeadlineExceeded("the call did not finish before its deadline")
        if type(reply) is Result:
            return reply.value
        if isinstance(reply, Error):
            if reply.code is StatusCode.CANCELLED:
                raise Cancelled(reply.message)
            raise error_from_event(reply)
        raise reply

    async def release(self, instance_id: int) -> None:
        await self.release_many((instance_id,))

    async def release_many(self, instance_ids: tuple[int, ...] | list[int]) -> None:
        if instance_ids and self._lost is None:
            await self._send(Release(tuple(instance_ids)))

    async def ping(self) -> float:
        """Round-trip time to the gateway, in seconds."""
        self._pings += 1
        slot = self._pongs[self._pings] = _Slot()
        start = trio.current_time()
        await self._send(Ping(self._pings))
        await slot.event.wait()
        if slot.reply is None:
            raise self._lost or ConnectionLost("no answer to ping")
        return trio.current_time() - start

    async def call(
        self,
        name: str,
        /,
        *args: Any,
        _timeout: float | None = None,
        _metadata: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        target, _, member = name.rpartition(".")
        a, k = unwrap_args(args, kwargs)
        spec = CallSpec("call", target or self.service, member, a, k)
        return wrap_result_async(
            self, await self.invoke(spec, timeout=_timeout, metadata=_metadata)
        )

    async def new(self, class_name: str, /, *args: Any, **kwargs: Any) -> AsyncRemoteObject:
        a, k = unwrap_args(args, kwargs)
        ref = await self.invoke(CallSpec("new", class_name, "", a, k))
        obj = wrap_result_async(self, ref)
        if not isinstance(obj, AsyncRemoteObject):
            raise ProtocolError(f"'new {class_name}' returned {ref!r}, not an instance")
        return obj

    async def aclose(self) -> None:
        if self._lost is None and self._conn.state is State.OPEN:
            with trio.move_on_after(1):
                try:
                    await self._send(
                        GoAway(self._conn.last_call_id, StatusCode.OK, "client closing")
                    )
                except (GraftError, LocalProtocolError):
                    pass
        self._fail(ConnectionLost("the client was closed"))
        await self._wire.aclose()

    def __repr__(self) -> str:
        return f"<graftcode AsyncClient {self.url or self.module}>"
