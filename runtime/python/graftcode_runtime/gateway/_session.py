"""One client connection on the gateway: handshake, then calls in any order until either side
goes away. All protocol state lives in the sans-IO `Connection`; this module moves bytes, runs
calls and keeps the timers the core leaves to its user (handshake timeout, deadlines)."""

from __future__ import annotations

import hmac
import logging
import math
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import trio

from ..protocol._connection import SERVER, Connection, Framing, State
from ..protocol._errors import LocalProtocolError, RemoteError, RemoteProtocolError, StatusCode
from ..protocol._events import (
    NEED_DATA,
    Call,
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
from ._dispatch import Dispatcher, Invocation
from ._log import event

if TYPE_CHECKING:
    from ..transport._trio import Wire
    from ._server import Gateway

AGENT = "graftcode-python-gateway/0.1.0"
SUPPORTED_FEATURES: frozenset[str] = frozenset()  # protocol 1.0 defines none
_GONE = (trio.BrokenResourceError, trio.ClosedResourceError)


def _token_ok(given: str | bytes | None, tokens: tuple[str, ...]) -> bool:
    if given is None:
        return False
    raw = given.encode() if isinstance(given, str) else given
    # compare against every token in constant time, so timing does not reveal a prefix
    return any([hmac.compare_digest(raw, t.encode()) for t in tokens])


class Session:
    def __init__(self, gateway: Gateway, wire: Wire, transport: str) -> None:
        self.gateway = gateway
        self.wire = wire
        self.transport = transport
        self.peer = wire.peer
        cfg = gateway.config
        self.limits = Limits(
            max_message_size=cfg.max_message_size,
            max_instances=cfg.max_instances,
            max_concurrent_calls=cfg.max_calls_in_flight,
        )
        framing = Framing.MESSAGE if wire.message_mode else Framing.STREAM
        self.conn = Connection(SERVER, self.limits, framing=framing)
        self.dispatcher: Dispatcher | None = None
        self.calls: dict[int, trio.CancelScope] = {}
        self._outbox: deque[bytes] = deque()
        self._writing = False
        self._written = trio.Event()
        self._nursery: trio.Nursery | None = None
        self._calls_total = 0
        self._failed = 0
        self._closing = False

    @property
    def calls_in_flight(self) -> int:
        return len(self.calls)

    async def run(self) -> None:
        opened = time.monotonic()
        event("conn_open", peer=self.peer, transport=self.transport)
        reason = "closed by peer"
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                reason = await self._read_loop()
                # the connection is over: calls still running are cancelled, answers dropped
                nursery.cancel_scope.cancel()
        finally:
            released = len(self.conn.instances.release_all())
            with trio.CancelScope(shield=True):
                await self.wire.aclose()
            event(
                "conn_close",
                peer=self.peer,
                transport=self.transport,
                module=self.dispatcher.module.name if self.dispatcher else None,
                reason=reason,
                calls=self._calls_total,
                failed=self._failed,
                released_instances=released,
                seconds=round(time.monotonic() - opened, 3),
            )

    async def _read_loop(self) -> str:
        handshake_by = trio.current_time() + self.gateway.config.handshake_timeout
        conn = self.conn
        while True:
            try:
                while True:
                    ev = conn.next_event()
                    if ev is NEED_DATA:
                        break
                    if isinstance(ev, ConnectionClosed):
                        return "connection lost mid-frame" if ev.truncated else "closed by peer"
                    await self._handle(ev)
                    if conn.state is State.CLOSED:
                        return "goaway"
            except RemoteProtocolError as e:
                await self._refuse(e.code, e.message, protocol_error=True)
                return f"protocol error: {e.message}"
            except RemoteError as e:  # a handshake refusal decided here (unknown module)
                await self._refuse(e.code, e.message, protocol_error=False)
                return f"refused: {e.message}"
            except _GONE:
                return "connection lost while answering"
            except LocalProtocolError as e:  # e.g. a PONG after our failing GOAWAY
                return f"closing: {e.message}"
            deadline = handshake_by if self.dispatcher is None else math.inf
            with trio.move_on_at(deadline):
                data = await self.wire.receive()
                conn.receive_data(data or b"")
                continue
            await self._refuse(
                StatusCode.DEADLINE_EXCEEDED,
                "no HELLO within the handshake timeout",
                protocol_error=True,
            )
            return "handshake timeout"

    async def _refuse(self, code: StatusCode, message: str, *, protocol_error: bool) -> None:
        """Send GOAWAY with a failing code; the caller then closes."""
        event(
            "protocol_error" if protocol_error else "handshake_refused",
            logging.WARNING,
            peer=self.peer,
            code=code.name,
            error=message,
        )
        for scope in self.calls.values():
            scope.cancel()
        if hasattr(self.wire, "close_code"):
            self.wire.close_code = 1008  # WebSocket "policy violation"
        try:
            await self._send(GoAway(self.conn.last_call_id, code, message))
            with trio.move_on_after(1):
                await self._flush()
        except (*_GONE, LocalProtocolError):
            pass

    async def _handle(self, ev: Any) -> None:
        t = type(ev)
        if t is Call:
            self._start_call(ev)
        elif t is Cancel:
            scope = self.calls.get(ev.id)
            if scope is not None:
                scope.cancel()
        elif t is Ping:
            await self._send(Pong(ev.opaque))
        elif t is Hello:
            await self._hello(ev)
        elif t is GoAway:
            event("client_goaway", logging.DEBUG, peer=self.peer, last_id=ev.last_id)
        elif t is Release or t is Pong:
            pass  # the core applied the release to conn.instances

    async def _hello(self, hello: Hello) -> None:
        tokens = self.gateway.config.auth_tokens
        if tokens and not _token_ok(hello.auth, tokens):
            raise RemoteError(
                StatusCode.UNAUTHENTICATED,
                "this gateway requires an auth token" if hello.auth is None else "wrong auth token",
            )
        hosted = self.gateway.hosted
        h = hosted.get(hello.module) if hello.module else next(iter(hosted.values()))
        if h is None:
            names = ", ".join(hosted)
            raise RemoteError(
                StatusCode.NOT_FOUND,
                f"this gateway does not host module {hello.module!r}; it hosts: {names}",
            )
        self.dispatcher = Dispatcher(
            h,
            workers=self.gateway.workers,
            bridge=self.gateway.bridge,
            debug=self.gateway.config.debug,
        )
        features = tuple(f for f in hello.features if f in SUPPORTED_FEATURES)
        await self._send(
            Hello(
                module=h.name,
                version=h.module.version,
                schema=h.schema_hash,
                limits=self.limits,
                features=features,
                agent=AGENT,
                modules=tuple(hosted),
                debug=self.gateway.config.debug,
                minor=min(hello.minor, 0),
            )
        )
        if hello.schema and hello.schema != h.schema_hash:
            event(
                "schema_mismatch",
                logging.INFO,
                peer=self.peer,
                module=h.name,
                client_version=hello.version or None,
                gateway_version=h.module.version,
            )

    def _start_call(self, call: Call) -> None:
        assert self._nursery is not None and self.dispatcher is not None
        self._calls_total += 1
        scope = trio.CancelScope()
        self.calls[call.id] = scope
        over_limit = self.conn.call_limit_exceeded  # judged on arrival, before others finish
        self._nursery.start_soon(self._run_call, call, scope, self.dispatcher, over_limit)

    async def _run_call(
        self, call: Call, scope: trio.CancelScope, dispatcher: Dispatcher, over_limit: bool
    ) -> None:
        now = time.monotonic()
        deadline = None if call.timeout_ms is None else now + call.timeout_ms / 1000
        reply: Result | Error
        try:
            with scope:
                if over_limit:
                    raise RemoteError(
                        StatusCode.RESOURCE_EXHAUSTED,
                        f"more than {self.limits.max_concurrent_calls} calls in flight on this connection",
                    )
                if self.gateway.draining and self.conn.goaway_sent is None:
                    raise RemoteError(StatusCode.UNAVAILABLE, "the gateway is shutting down")
                inv = Invocation(
                    op=call.op,
                    target=call.target,
                    member=call.member,
                    args=tuple(call.args),
                    kwargs=call.kwargs,
                    instance=call.instance,
                    call_id=call.id,
                    metadata=call.metadata or {},
                    deadline=deadline,
                )
                value = await dispatcher.run(inv, self.conn.instances, self.peer)
                reply = Result(call.id, value)
            if scope.cancelled_caught:
                why = "the gateway is shutting down" if self._closing else "cancelled by the caller"
                reply = self._error(call, RemoteError(StatusCode.CANCELLED, why))
        except RemoteError as e:
            reply = self._error(call, e)
        finally:
            self.calls.pop(call.id, None)
        try:
            await self._send(reply)
        except LocalProtocolError as e:
            if e.code is StatusCode.RESOURCE_EXHAUSTED and isinstance(reply, Result):
                # the answer is larger than the client accepts: tell it so instead
                await self._send(
                    self._error(call, RemoteError(StatusCode.RESOURCE_EXHAUSTED, e.message))
                )
        except _GONE:
            pass

    def _error(self, call: Call, e: RemoteError) -> Error:
        self._failed += 1
        event(
            "call_failed",
            logging.WARNING
            if e.code in (StatusCode.INTERNAL, StatusCode.UNKNOWN) and not e.type_name
            else logging.INFO,
            peer=self.peer,
            call_id=call.id,
            target=call.target,
            member=call.member or None,
            code=e.code.name,
            type=e.type_name,
            message=e.message,
        )
        return Error(
            call.id,
            e.code,
            e.message,
            e.type_name,
            dict(e.fields) if e.type_name is not None else None,
            e.remote_traceback,
        )

    async def _send(self, ev: Any) -> None:
        """Encode now (the core's state changes in call order) and write.

        No lock with its checkpoint: the first sender becomes the writer and also writes what
        others queue meanwhile, joined into one write on stream transports (fewer syscalls when
        many answers are ready at once)."""
        self._outbox.append(self.conn.send(ev))
        if self._writing:
            return
        self._writing = True
        self._written = trio.Event()
        try:
            while self._outbox:
                if self.wire.message_mode:
                    data = self._outbox.popleft()
                else:
                    data = b"".join(self._outbox)
                    self._outbox.clear()
                await self.wire.send(data)
        finally:
            self._writing = False
            self._written.set()

    async def _flush(self) -> None:
        """Wait until everything sent so far is written (or the writer failed)."""
        while self._writing:
            await self._written.wait()

    async def go_away(self) -> None:
        """Graceful shutdown: no new calls; those accepted so far are still answered."""
        if self.conn.state is not State.OPEN:
            return
        try:
            await self._send(
                GoAway(self.conn.last_call_id, StatusCode.OK, "the gateway is shutting down")
            )
        except (*_GONE, LocalProtocolError):
            pass

    async def close(self) -> None:
        """End of the grace period: cancel what still runs (answered CANCELLED), then close."""
        self._closing = True
        for scope in list(self.calls.values()):
            scope.cancel()
        with trio.move_on_after(1):
            while self.calls:
                await trio.sleep(0.01)
            await self._flush()
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()
