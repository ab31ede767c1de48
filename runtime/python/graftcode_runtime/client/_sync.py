"""The blocking client: no event loop, no background thread.

Calls are multiplexed on one connection. Whichever calling thread is waiting becomes the
reader: it reads from the socket, hands every answer to the thread that asked for it, and steps
down as soon as its own answer is in. A program that calls from one thread therefore runs a
plain send / recv loop (the fast path), and many threads can still share one client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__
from ..protocol._connection import CLIENT, Connection, Framing, State
from ..protocol._errors import (
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
    Call,
    Cancel,
    ConnectionClosed,
    Error,
    GoAway,
    Hello,
    InstanceRef,
    Op,
    Ping,
    Pong,
    Release,
    Result,
)
from ..protocol._limits import Limits
from ..protocol._remote_errors import error_from_event, error_from_goaway
from ..transport._blocking import SyncTransport
from ._callspec import CallSpec
from ._remote import ProxyTable, RemoteObject, unwrap_args, wrap_result

AGENT = f"graftcode-python/{__version__}"
OPS = {"call": Op.CALL, "new": Op.NEW, "get": Op.GET, "set": Op.SET}


def to_call(
    call_id: int, spec: CallSpec, timeout: float | None, metadata: Mapping[str, str] | None
) -> Call:
    op = OPS.get(spec.kind)
    if op is None:
        raise ValueError(f"CallSpec.kind must be one of {', '.join(OPS)}, not {spec.kind!r}")
    return Call(
        call_id,
        op,
        spec.target,
        spec.member,
        None if spec.instance is None else InstanceRef(spec.instance, spec.target),
        list(spec.args),
        dict(spec.kwargs),
        None if timeout is None else max(0, int(timeout * 1000)),
        dict(metadata) if metadata else None,
    )


class Client:
    """A connection to one module on a gateway. Use `graftcode_runtime.connect(url)`."""

    def __init__(
        self,
        transport: SyncTransport,
        *,
        module: str = "",
        url: str = "",
        limits: Limits | None = None,
        handshake_timeout: float | None = 10.0,
        metadata: Mapping[str, str] | None = None,
        timeout: float | None = None,
        auth: str | bytes | None = None,
        schema: str = "",
    ) -> None:
        self.url = url
        self._t = transport
        framing = Framing.MESSAGE if transport.message_mode else Framing.STREAM
        self._conn = Connection(CLIENT, limits or Limits(), framing=framing)
        self._send_lock = threading.Lock()
        # the reader holds _read_lock; threads waiting for their answers sleep on _state
        self._read_lock = threading.Lock()
        self._state = threading.Condition(threading.Lock())
        self._sleepers = 0
        self._done: dict[object, Any] = {}
        self._waiting: set[object] = set()
        self._lost: GraftError | None = None
        self._closed = False
        self._pings = 0
        self.default_timeout = timeout
        self.default_metadata = dict(metadata or {})
        self.goaway: GoAway | None = None
        self.proxies = ProxyTable().bind(self)
        hello = Hello(
            module=module, schema=schema, auth=auth, agent=AGENT, limits=self._conn.limits
        )
        self.server_hello: Hello = self._handshake(hello, handshake_timeout)

    # ---------------------------------------------------------------- handshake

    def _handshake(self, hello: Hello, timeout: float | None) -> Hello:
        self._t.send(self._conn.send(hello))
        deadline = None if timeout is None else time.monotonic() + timeout
        self._waiting.add("hello")
        while "hello" not in self._done:
            if self._lost is not None:
                raise self._lost
            self._read_once(deadline, "the handshake")
        reply = self._done.pop("hello")
        self._waiting.discard("hello")
        if isinstance(reply, GoAway):
            self.close()
            raise error_from_goaway(reply, during_handshake=True)
        assert isinstance(reply, Hello)
        return reply

    @property
    def module(self) -> str:
        return self.server_hello.module

    @property
    def version(self) -> str:
        return self.server_hello.version

    @property
    def schema_hash(self) -> str:
        return self.server_hello.schema

    @property
    def service(self) -> str:
        """The name of the module's service (its top-level functions)."""
        return self.module.rpartition(".")[2]

    # ---------------------------------------------------------------- low level

    def invoke(
        self,
        spec: CallSpec,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> object:
        """Run one remote operation; wire values in, wire values out."""
        return self.invoke_wire(
            spec.kind, spec.target, spec.member, spec.args, spec.kwargs, spec.instance,
            timeout, metadata,
        )  # fmt: skip

    def invoke_wire(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        instance: int | None,
        timeout: float | None,
        metadata: Mapping[str, str] | None,
    ) -> object:
        """`invoke` without building a `CallSpec` (the generated clients' hot path)."""
        op = OPS.get(kind)
        if op is None:
            raise ValueError(f"CallSpec.kind must be one of {', '.join(OPS)}, not {kind!r}")
        if timeout is None:
            timeout = self.default_timeout
        md = {**self.default_metadata, **metadata} if metadata else self.default_metadata
        deadline = None if timeout is None else time.monotonic() + timeout
        # the CALL is encoded at once, so the caller's list/tuple and dict need no copies
        if type(args) is not list and type(args) is not tuple:
            args = list(args)
        if type(kwargs) is not dict:
            kwargs = dict(kwargs)
        with self._send_lock:
            if self._lost is not None:
                raise self._lost
            if self.goaway is not None:
                raise error_from_goaway(self.goaway)
            dropped = self.proxies.take_dropped()
            if dropped:  # proxies the garbage collector took, released before the next call
                self._send(self._conn.send(Release(dropped)))
            call_id = self._conn.next_call_id()
            call = Call(
                call_id,
                op,
                target,
                member,
                None if instance is None else InstanceRef(instance, target),
                args,
                kwargs,
                None if timeout is None else max(0, int(timeout * 1000)),
                dict(md) if md else None,
            )
            data = self._conn.send(call)
            self._waiting.add(call_id)
            self._send(data)
        try:
            ev = self._wait(call_id, deadline)
        except BaseException:
            # our deadline, a KeyboardInterrupt, a lost connection: stop the gateway's work
            self._cancel(call_id)
            raise
        if type(ev) is Result:
            return ev.value
        if isinstance(ev, Error):
            if (
                ev.code is StatusCode.CANCELLED
                and deadline is not None
                and time.monotonic() >= deadline
            ):
                raise DeadlineExceeded("the call did not finish before its deadline")
            raise error_from_event(ev)
        raise ev  # a GraftError placed by _route

    def release(self, instance_id: int) -> None:
        """Drop a remote instance now (instances are also dropped when the connection closes)."""
        self.release_many((instance_id,))

    def release_many(self, instance_ids: tuple[int, ...] | list[int]) -> None:
        if not instance_ids or self._lost is not None:
            return  # a closed connection has released everything already
        with self._send_lock:
            self._send(self._conn.send(Release(tuple(instance_ids))))

    def ping(self, timeout: float | None = 10.0) -> float:
        """Round-trip time to the gateway, in seconds."""
        start = time.monotonic()
        with self._send_lock:
            self._pings += 1
            key = ("pong", self._pings)
            self._waiting.add(key)
            self._send(self._conn.send(Ping(self._pings)))
        self._wait(key, None if timeout is None else start + timeout)
        return time.monotonic() - start

    def _cancel(self, call_id: int) -> None:
        self._waiting.discard(call_id)
        self._done.pop(call_id, None)
        if self._lost is not None or call_id not in self._conn.calls_in_flight:
            return
        try:
            with self._send_lock:
                self._send(self._conn.send(Cancel(call_id)))
        except GraftError:
            pass

    def _send(self, data: bytes) -> None:
        try:
            self._t.send(data)
        except ConnectionLost as e:
            self._fail(e)
            raise

    def _wait(self, key: object, deadline: float | None) -> Any:
        """Wait for the answer to `key`, reading the transport while no other thread does.

        The common case (one calling thread) takes the read lock without blocking and loops on
        recv; `_state` is only touched when other threads sleep waiting for their answers.
        """
        done = self._done
        while True:
            if key in done:  # delivered by the thread that reads: do not wait for its lock
                self._waiting.discard(key)
                return done.pop(key)
            if self._read_lock.acquire(blocking=False):
                try:
                    while True:
                        if key in done:
                            self._waiting.discard(key)
                            return done.pop(key)
                        if self._lost is not None:
                            self._waiting.discard(key)
                            raise self._lost
                        self._read_once(deadline, "the call")
                finally:
                    self._read_lock.release()
                    if self._sleepers:
                        with self._state:
                            self._state.notify_all()  # one of them takes over reading
            with self._state:
                self._sleepers += 1
                try:
                    while key not in done and self._lost is None and self._read_lock.locked():
                        left = None if deadline is None else deadline - time.monotonic()
                        if left is not None and left <= 0:
                            self._waiting.discard(key)
                            raise DeadlineExceeded("the call did not finish before its deadline")
                        self._state.wait(left)
                finally:
                    self._sleepers -= 1

    def _read_once(self, deadline: float | None, what: str) -> None:
        """Read once from the transport and route every complete event."""
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise DeadlineExceeded(f"{what} did not finish before its deadline")
        try:
            data = self._t.recv(left)
        except TimeoutError:
            raise DeadlineExceeded(f"{what} did not finish before its deadline") from None
        try:
            self._conn.receive_data(data)
            self._route()
        except RemoteProtocolError as e:
            try:
                self._t.send(self._conn.send(self._conn.goaway_for(e)))
            except (GraftError, OSError):
                pass
            self._fail(ProtocolError(f"the gateway broke the protocol: {e.message}", code=e.code))
            self._t.close()
            raise self._lost from None  # type: ignore[misc]

    def _route(self) -> None:
        conn = self._conn
        while (ev := conn.next_event()) is not NEED_DATA:
            t = type(ev)
            if t is Result or t is Error:
                self._deliver(ev.id, ev)  # type: ignore[union-attr]
            elif t is Pong:
                self._deliver(("pong", ev.opaque), ev)  # type: ignore[union-attr]
            elif t is Ping:
                with self._send_lock:
                    self._send(conn.send(Pong(ev.opaque)))  # type: ignore[union-attr]
            elif t is Hello:
                self._done["hello"] = ev
            elif t is GoAway:
                self._goaway(ev)  # type: ignore[arg-type]
            elif t is ConnectionClosed:
                self._fail(ConnectionLost("the gateway closed the connection"))
                return

    def _deliver(self, key: object, ev: Any) -> None:
        if key in self._waiting:  # else the caller gave up (deadline, cancel): drop it
            self._done[key] = ev
            if self._sleepers:
                with self._state:
                    self._state.notify_all()

    def _goaway(self, g: GoAway) -> None:
        self.goaway = g
        if "hello" in self._waiting:
            self._done["hello"] = g
            return
        err = error_from_goaway(g)
        with self._state:
            for key in list(self._waiting):
                if (isinstance(key, int) and key > g.last_id) or g.code is not StatusCode.OK:
                    self._done[key] = err
            self._state.notify_all()
        if g.code is not StatusCode.OK:
            self._fail(err)

    def _fail(self, err: GraftError) -> None:
        with self._state:
            if self._lost is None:
                self._lost = err
            self._state.notify_all()

    # ---------------------------------------------------------------- dynamic API

    def call(
        self,
        name: str,
        /,
        *args: Any,
        _timeout: float | None = None,
        _metadata: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call a function (`"add"`) or a static method (`"Cart.with_items"`) by name.
        Remote instances in the result come back as `RemoteObject` proxies."""
        target, _, member = name.rpartition(".")
        a, k = unwrap_args(args, kwargs)
        spec = CallSpec("call", target or self.service, member, a, k)
        return wrap_result(self, self.invoke(spec, timeout=_timeout, metadata=_metadata))

    def new(self, class_name: str, /, *args: Any, **kwargs: Any) -> RemoteObject:
        """Create an instance of a class on the gateway; it lives until released."""
        a, k = unwrap_args(args, kwargs)
        ref = self.invoke(CallSpec("new", class_name, "", a, k))
        obj = wrap_result(self, ref)
        if not isinstance(obj, RemoteObject):
            raise ProtocolError(f"'new {class_name}' returned {ref!r}, not an instance")
        return obj

    # ---------------------------------------------------------------- lifetime

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the connection; the gateway releases every instance it held for it."""
        if self._closed:
            return
        self._closed = True
        if self._lost is None and self._conn.state is State.OPEN:
            try:
                with self._send_lock:
                    self._t.send(
                        self._conn.send(
                            GoAway(self._conn.last_call_id, StatusCode.OK, "client closing")
                        )
                    )
            except (GraftError, LocalProtocolError, OSError):
                pass
        self._fail(ConnectionLost("the client was closed"))
        self._t.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<graftcode Client {self.url or self.module}>"
