"""The calls of one client connection, sans-IO: every client-side rule of docs/protocol.md
sections 4 and 5 that is not I/O, shared by the blocking and the trio client.

`CallTable` sits on the protocol's `Connection` (h11's style, one level up): `start_call` and
`start_ping` give the bytes to send, `receive` routes the bytes read to the calls waiting for
them and returns their keys, `take` turns an answer into a value or a typed exception. The
drivers (`_sync.Client`, `_trio.AsyncClient`) only send, read, wait and keep time; times come
in as arguments, so everything here is tested by feeding events, without sockets or clocks.

Keys: a call waits under its call id (> 0), a ping under minus its opaque value, the handshake
under `HELLO` (0). Call ids keep increasing across the connections of one client (a new table
starts where the previous one stopped; the protocol allows gaps), so an id names one call of
the client's whole life and never a call of another connection.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__
from ..protocol import (
    FEATURE_STREAM,
    NEED_DATA,
    Call,
    Cancel,
    ConnectionClosed,
    End,
    Error,
    GoAway,
    Hello,
    Item,
    Op,
    Window,
)
from ..protocol._connection import CLIENT, Connection, Framing
from ..protocol._errors import (
    ConnectionLost,
    DeadlineExceeded,
    GraftError,
    LocalProtocolError,
    ProtocolError,
    RemoteError,
    RemoteProtocolError,
    StatusCode,
)
from ..protocol._events import InstanceRef, Message, Ping, Pong, Release, Result
from ..protocol._limits import Limits
from ..protocol._remote_errors import error_from_event, error_from_goaway
from ._instance_id import AnyId, InstanceId
from ._metadata import checked

AGENT = f"graftcode-python/{__version__}"
OPS = {"call": Op.CALL, "new": Op.NEW, "get": Op.GET, "set": Op.SET}
HELLO = 0
# Longer timeouts are clamped: a year is "no deadline" in practice, and it keeps timeout_ms and
# the drivers' timers (socket timeouts, Condition.wait) far from their overflow limits.
MAX_TIMEOUT = 366 * 86400.0
_NO_KEYS: list[int] = []
STREAM_WINDOW = 64  # items a stream's consumer lets the gateway send ahead (docs/protocol.md 5.5)
END = object()
"""`take_item`: the stream ended normally (its RESULT came)."""
NOTHING = object()
"""`take_item`: no item yet; wait for the key."""


def deadline_after(timeout: float | None, now: float) -> float | None:
    """The deadline of a call allowed `timeout` seconds from `now`. None and infinity mean no
    deadline; a negative timeout has already expired; NaN is refused."""
    if timeout is None or timeout == math.inf:
        return None
    if timeout != timeout:
        raise ValueError("a timeout must be a number of seconds, not NaN")
    return now + min(max(timeout, 0.0), MAX_TIMEOUT)


def expired(what: str = "the call") -> DeadlineExceeded:
    return DeadlineExceeded(f"{what} did not finish before its deadline")


def connect_budget(
    deadline: float | None, connect_timeout: float | None, now: float
) -> tuple[float | None, bool]:
    """Seconds allowed to connect (socket, TLS, WebSocket upgrade and HELLO together), and
    whether the call's deadline (rather than `connect_timeout`) is what limits them."""
    left = None if deadline is None else max(deadline - now, 0.0)
    if connect_timeout is None or (left is not None and left <= connect_timeout):
        return left, left is not None
    return max(connect_timeout, 0.0), False


def connect_timed_out(url: str, by_call: bool, connect_timeout: float | None) -> GraftError:
    if by_call:
        return expired(f"the call (still connecting to {url})")
    return ConnectionLost(f"{url}: connecting timed out after {connect_timeout:g} s")


def instance_gone(instance: AnyId, class_name: str = "") -> RemoteError:
    """What a call through an instance id of another connection fails with: NOT_FOUND, as the
    gateway answers an id its connection does not hold (docs/protocol.md 4.2)."""
    what = f"{class_name} instance {int(instance)}" if class_name else f"instance {int(instance)}"
    if type(instance) is InstanceId and instance.table.open:
        why = "belongs to another connection"
    else:
        why = (
            "belonged to a connection that was lost or closed, and the gateway released it "
            "with that connection; create a new one"
        )
    return RemoteError(StatusCode.NOT_FOUND, f"{what} {why}")


def check_alive(instance: AnyId, class_name: str = "") -> None:
    """Refuse an id whose connection is gone (used before passing a proxy as an argument)."""
    if type(instance) is InstanceId and not instance.table.open:
        raise instance_gone(instance, class_name)


class CallTable:
    """The client side of one connection: its handshake, calls, pings and release queue.

    Routing rules: an answer goes to the call waiting under its id (a late one, for a call that
    gave up, is dropped); a graceful GOAWAY fails the calls above its `last_id` as retry-safe
    `ConnectionLost` and lets the others finish; a failing GOAWAY, the end of the transport or a
    protocol error fails every waiter. After any of these the table is no longer `open`: the
    client's next call opens a new connection."""

    def __init__(self, hello: Hello, *, message_mode: bool = False, first_id: int = 1) -> None:
        self.conn = Connection(
            CLIENT, hello.limits, framing=Framing.MESSAGE if message_mode else Framing.STREAM
        )
        self.hello = hello
        self.server_hello: Hello | None = None
        self.goaway: GoAway | None = None
        self.lost: GraftError | None = None
        self.open = False  # handshake done, and neither lost nor told to go away
        self.waiting: dict[int, float | None] = {}  # key -> the caller's deadline
        self.answers: dict[int, Any] = {}  # key -> Result, Error, Hello, Pong or GraftError
        # messages to send before anything else: RELEASEs, PONGs, a protocol error's GOAWAY
        self.outgoing: deque[Message] = deque()
        self.proxies: Any = None  # the driver's per-connection proxy table, if any
        self.next_id = first_id
        self._pings = 0
        self._releases: deque[int] = deque()  # appended by finalizers in any thread
        self.items: dict[int, deque[Any]] = {}  # streamed calls: items read, not yet taken
        self._unacked: dict[int, int] = {}  # streamed calls: items taken since the last WINDOW

    # ------------------------------------------------------------------------- sending

    def start_handshake(self) -> bytes:
        """The HELLO; its answer is awaited under the key `HELLO`."""
        self.waiting[HELLO] = None
        return self.conn.send(self.hello)

    def start_call(
        self, kind: str, target: str, member: str, args: Sequence[Any], kwargs: Mapping[str, Any],
        instance: AnyId | None, deadline: float | None, defaults: Mapping[str, str],
        metadata: Mapping[str, str] | None, now: float, window: int | None = None,
    ) -> tuple[int, bytes]:  # fmt: skip
        """Register a call and return its id and the bytes of its CALL. The instances whose
        proxies were collected since the previous call are released first: their RELEASE goes
        to `outgoing`. `metadata` overrides the client's `defaults` key by key, its keys
        lowercased first (`_metadata.checked`: an invalid key raises `InvalidValue`, nothing
        sent). `window`: the call's result is a stream, and the gateway may send that many items
        ahead (`take_item` reads them)."""
        if not self.open:
            raise self._refusal()
        op = OPS.get(kind)
        if op is None:
            raise ValueError(f"CallSpec.kind must be one of {', '.join(OPS)}, not {kind!r}")
        # InstanceId is tested before `instance` is narrowed to `int` (see `AnyId`)
        if type(instance) is InstanceId and instance.table is not self:
            raise instance_gone(instance, target)
        ref = None if instance is None else InstanceRef(int(instance), target)
        timeout_ms = None
        if deadline is not None:
            if deadline <= now:
                raise expired()
            timeout_ms = int((deadline - now) * 1000)
        # the CALL is encoded at once, so the caller's list/tuple and dict need no copies
        if type(args) is not list and type(args) is not tuple:
            args = list(args)
        if type(kwargs) is not dict:
            kwargs = dict(kwargs)
        if metadata:  # keys lowercased and checked (the defaults were when the client was made)
            metadata = {**defaults, **checked(metadata)}
        elif type(defaults) is dict:
            metadata = defaults
        else:
            metadata = dict(defaults)
        call_id = self.next_id
        # registered before it is encoded: a GOAWAY routed meanwhile (by another thread) must
        # see it, to fail it as never run if it goes out after all
        self.waiting[call_id] = deadline
        try:
            data = self.conn.send_call(
                Call(
                    call_id,
                    op,
                    target,
                    member,
                    ref,
                    args,
                    kwargs,
                    timeout_ms,
                    metadata or None,
                    window,
                )
            )
        except LocalProtocolError:
            self.waiting.pop(call_id, None)
            self.answers.pop(call_id, None)
            if not self.open:  # closed by what was read meanwhile: not sent, safe to retry
                raise self._refusal() from None
            raise
        self.next_id = call_id + 1
        if window is not None:
            self.items[call_id] = deque()
            self._unacked[call_id] = 0
        if self._releases:
            self.outgoing.append(self._release_queued())
        return call_id, data

    def start_ping(self) -> tuple[int, bytes]:
        if not self.open:
            raise self._refusal()
        self._pings += 1
        data = self.conn.send(Ping(self._pings))
        self.waiting[-self._pings] = None
        return -self._pings, data

    def take_outgoing(self) -> list[bytes]:
        """The bytes of `outgoing`, to send before anything more, as the transport's sends: in
        message framing (WebSocket) one per protocol message. Encoding is sending: call it
        where the driver serializes its sends (the routing only queues events, so a thread
        that reads never encodes while another sends)."""
        out = []
        try:
            while True:  # popleft is atomic: the reading thread may append meanwhile
                ev = self.outgoing.popleft()
                try:
                    out.append(self.conn.send(ev))
                except LocalProtocolError:
                    pass  # a PONG on a connection that closed meanwhile
        except IndexError:
            pass
        if self.conn.framing is Framing.MESSAGE or len(out) < 2:
            return out
        return [b"".join(out)]

    def give_up(self, key: int) -> bytes:
        """The caller stopped waiting (its deadline, a cancellation, an interrupt): forget the
        call, and return the CANCEL to send if the gateway may still be running it."""
        self.waiting.pop(key, None)
        self.answers.pop(key, None)
        if self.items:
            self.items.pop(key, None)
            self._unacked.pop(key, None)
        if key <= 0 or self.lost is not None or key not in self.conn.calls_in_flight:
            return b""
        try:
            return self.conn.send(Cancel(key))
        except LocalProtocolError:
            return b""

    def queue_release(self, instance_id: int) -> None:
        """Release an instance with the next call (a finalizer must not do I/O)."""
        if self.lost is None:
            self._releases.append(int(instance_id))

    def release_now(self, instance_ids: Sequence[AnyId]) -> bytes:
        """The RELEASE of the given ids that belong to this connection, or b"" if none do or
        the connection is gone (closing it released every instance already)."""
        ids = tuple(int(i) for i in instance_ids if type(i) is not InstanceId or i.table is self)
        if not ids or not self.open:
            return b""
        return self.conn.send(Release(ids))

    def _release_queued(self) -> Release:
        ids = []
        try:
            while True:
                ids.append(self._releases.popleft())
        except IndexError:
            pass
        return Release(tuple(ids))

    def close(self) -> tuple[bytes, list[int]]:
        """The client closes: the GOAWAY to send (b"" if the connection is already gone) and
        the keys of the waiters now failed."""
        data = b""
        if self.lost is None and self.server_hello is not None:
            try:
                data = self.conn.send(
                    GoAway(self.conn.last_call_id, StatusCode.OK, "client closing")
                )
            except LocalProtocolError:
                pass
        return data, self.fail(ConnectionLost("the client was closed"))

    # ------------------------------------------------------------------------- receiving

    def receive(self, data: bytes) -> list[int]:
        """Route what the transport read (b"" at its end); returns the keys answered."""
        conn = self.conn
        answered = _NO_KEYS
        try:
            conn.receive_data(data)
            while (ev := conn.next_event()) is not NEED_DATA:
                t = type(ev)
                if t is Result or t is Error:
                    key = ev.id  # type: ignore[union-attr]
                elif t is Pong:
                    key = -ev.opaque  # type: ignore[union-attr]
                elif t is Hello:
                    self.server_hello = ev  # type: ignore[assignment]
                    self.open = self.goaway is None and self.lost is None
                    key = HELLO
                elif t is Item:
                    queue = self.items.get(ev.id)  # type: ignore[union-attr]
                    if queue is None:
                        continue  # the caller gave up on the stream: drop the item
                    queue.append(ev.value)  # type: ignore[union-attr]
                    key = ev.id  # type: ignore[union-attr]
                    answered = [*answered, key] if answered else [key]
                    continue
                elif t is Window:  # credit for a stream we send: wake its sender
                    key = ev.id  # type: ignore[union-attr]
                    if key in self.waiting:
                        answered = [*answered, key] if answered else [key]
                    continue
                elif t is ConnectionClosed:  # the end: next_event would repeat it forever
                    return answered + self.fail(ConnectionLost("the gateway closed the connection"))
                else:
                    answered = answered + self._control(ev)
                    continue
                if key in self.waiting:  # else the caller gave up: drop the answer
                    self.answers[key] = ev
                    answered = [*answered, key] if answered else [key]
        except RemoteProtocolError as e:
            self.outgoing.append(conn.goaway_for(e))
            broken = ProtocolError(f"the gateway broke the protocol: {e.message}", code=e.code)
            answered = answered + self.fail(broken)
        return answered

    def _control(self, ev: object) -> list[int]:
        t = type(ev)
        if t is Ping:
            self.outgoing.append(Pong(ev.opaque))  # type: ignore[attr-defined]
            return _NO_KEYS
        if t is GoAway:
            return self._goaway(ev)  # type: ignore[arg-type]
        return _NO_KEYS

    def _goaway(self, g: GoAway) -> list[int]:
        self.goaway = g
        self.open = False
        if g.code is not StatusCode.OK or self.server_hello is None:
            return self.fail(error_from_goaway(g, during_handshake=self.server_hello is None))
        # graceful: calls up to last_id are still answered; the gateway never ran the others
        err = error_from_goaway(g)
        failed = [k for k in list(self.waiting) if k > g.last_id and k not in self.answers]
        for key in failed:
            self.answers[key] = err
        return failed

    def fail(self, err: GraftError) -> list[int]:
        """The connection is gone: every waiter gets `err` (the first failure is kept)."""
        if self.lost is None:
            self.lost = err
        self.open = False
        self._releases.clear()
        failed = [k for k in list(self.waiting) if k not in self.answers]
        for key in failed:
            self.answers[key] = self.lost
        return failed

    # ------------------------------------------------------------------------- answers

    def take(self, key: int, now: float) -> Any:
        """The answer to `key` as a value (RESULT's value, the gateway's HELLO, a PONG), or
        raised as the exception the caller sees."""
        answer = self.answers.pop(key)
        deadline = self.waiting.pop(key, None)
        t = type(answer)
        if t is Result:
            return answer.value
        if t is Error:
            if answer.code is StatusCode.CANCELLED and deadline is not None and now >= deadline:
                # the gateway stopped it because our deadline passed (docs/protocol.md 5.2)
                raise expired()
            raise error_from_event(answer)
        if t is Hello or t is Pong:
            return answer
        raise answer

    def take_item(self, key: int, now: float) -> Any:
        """The next item of a streamed call, `END` once its RESULT came, `NOTHING` while the
        caller has to wait; raises the call's error after the items that came before it. Each
        time the caller has taken half the window, a WINDOW for them goes to `outgoing`."""
        queue = self.items.get(key)
        if queue:
            value = queue.popleft()
            taken = self._unacked.get(key, 0) + 1
            if taken >= STREAM_WINDOW // 2:
                taken = 0
                self.outgoing.append(Window(key, STREAM_WINDOW // 2))
            self._unacked[key] = taken
            return value
        if key not in self.answers:
            return NOTHING
        self.items.pop(key, None)
        self._unacked.pop(key, None)
        self.take(key, now)  # raises the error; a RESULT's value (nil) means the end
        return END

    def may_send_item(self, key: int) -> bool | None:
        """For a call with a stream parameter: True when an item may go now, False while the
        credit is spent (wait for a WINDOW), None once the call is answered or given up."""
        if key not in self.waiting or key in self.answers or key not in self.conn.calls_in_flight:
            return None
        return self.conn.send_credit(key) > 0

    def send_item(self, key: int, value: Any) -> bytes:
        """The ITEM of the call's stream parameter (b"" if the call is over)."""
        if self.may_send_item(key) is None:
            return b""
        return self.conn.send(Item(key, value))

    def end_items(self, key: int) -> bytes:
        """The END of the call's stream parameter (b"" if the call is over)."""
        if self.may_send_item(key) is None:
            return b""
        return self.conn.send(End(key))

    def abort(self, key: int, error: BaseException) -> bytes:
        """The caller's items failed (its iterable raised): the call fails with `error`, after
        the items already received; returns the CANCEL to send."""
        data = self.give_up(key) if key in self.conn.calls_in_flight else b""
        self.waiting[key] = None
        self.answers[key] = error
        return data

    def cancel_later(self, key: int) -> None:
        """A stream dropped without being closed (a finalizer must not do I/O): its CANCEL goes
        with the next message sent."""
        self.waiting.pop(key, None)
        self.answers.pop(key, None)
        self.items.pop(key, None)
        if self.lost is None and key in self.conn.calls_in_flight:
            self.outgoing.append(Cancel(key))

    def bind(self, ref: object) -> InstanceId:
        """The id of an instance reference this connection's gateway sent."""
        if not isinstance(ref, InstanceRef):
            raise ProtocolError(f"expected a remote instance from the gateway, got {ref!r}")
        return InstanceId(ref.id, self)

    def _refusal(self) -> GraftError:
        if self.lost is not None:
            return self.lost
        if self.goaway is not None:
            return error_from_goaway(self.goaway)
        return ConnectionLost("the connection is not open yet")


def new_hello(module: str, schema: str, auth: str | bytes | None, limits: Limits | None) -> Hello:
    return Hello(
        module=module,
        schema=schema,
        auth=auth,
        agent=AGENT,
        limits=limits or Limits(),
        features=(FEATURE_STREAM,),
    )
