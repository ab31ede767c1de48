"""The blocking client: no event loop, no background thread.

Calls are multiplexed on one connection. Whichever calling thread is waiting becomes the
reader: it reads from the socket, hands every answer to the thread that asked for it, and steps
down as soon as its own answer is in. A program that calls from one thread therefore runs a
plain sendall / recv loop (the fast path), and many threads can still share one client.

What a call means (ids, the CALL, answers, GOAWAY, failures) is the call table's
(`_call_table.CallTable`); this module only sends, reads, waits and keeps time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from time import monotonic
from typing import Any

from ..protocol._errors import ConnectionLost, GraftError
from ..retry import run_with_retry
from ..transport._blocking import SyncTransport
from ._base import ClientBase, Link, WebSocketClosed
from ._call_table import HELLO, STREAM_WINDOW, CallTable, deadline_after, expired
from ._callspec import CallSpec
from ._remote import RemoteObject
from ._streams import RemoteStream

Opener = Callable[[float | None], SyncTransport]


class _Link(Link):
    __slots__ = ("read_lock", "send_lock", "transport")

    def __init__(self, table: CallTable, transport: SyncTransport) -> None:
        super().__init__(table)
        self.transport = transport
        # send_lock serializes what encodes (calls, CANCELs, RELEASEs, outgoing) so that ids
        # leave in order; read_lock marks the one thread that reads and routes.
        self.send_lock = threading.Lock()
        self.read_lock = threading.Lock()


class Client(ClientBase):
    """A connection to one module on a gateway. Use `graftcode_runtime.connect(url)`.

    After the connection is lost, the next call opens a new one (docs/python-client.md)."""

    _proxy_type = RemoteObject

    def __init__(self, opener: Opener, *, lazy: bool = False, **settings: Any) -> None:
        """`opener(seconds)` opens one transport (a first connection and each reconnect);
        `settings` are `ClientBase`'s; `lazy` waits for the first call to connect."""
        super().__init__(**settings)
        self._open_transport = opener
        self._connect_lock = threading.Lock()
        # threads waiting for answers another thread reads sleep on _state
        self._state = threading.Condition(threading.Lock())
        self._sleepers = 0
        self._answered_by = threading.local()
        if not lazy:
            self._relink(None, None, "")

    # ---------------------------------------------------------------- calls

    def invoke(
        self,
        spec: CallSpec,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
        source: Iterable[Any] | None = None,
    ) -> object:
        """Run one remote operation; wire values in, wire values out. `source`: the items of
        the member's stream parameter (client streaming; its place in `spec.args` is None)."""
        if source is not None:
            return self._invoke_streaming(spec, source, timeout, metadata)
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
        if timeout is None:
            timeout = self.default_timeout
        if timeout is None:  # no clock to read: times only matter against a deadline
            deadline, now = None, 0.0
        else:
            now = monotonic()
            deadline = deadline_after(timeout, now)
        link = self._link
        if link is None or not link.table.open:
            link = self._relink(deadline, instance, target)
        table = link.table
        call_id = 0
        went = True
        try:
            with link.send_lock:
                call_id, data = table.start_call(
                    kind, target, member, args, kwargs, instance,
                    deadline, self.default_metadata, metadata, now,
                )  # fmt: skip
                went = self._send(link, data)
            try:
                self._wait(call_id, deadline)
            except BaseException as e:
                raise self._abandon(link, call_id, e) from None
            value = table.take(call_id, 0.0 if deadline is None else monotonic())
        except GraftError as e:
            if not self._may_resend(e, table, sent=call_id != 0 and went):
                raise
            link, value = self._again(
                kind, target, member, args, kwargs, instance, deadline, metadata
            )  # fmt: skip
            table = link.table
        if self._relinked:  # until the first reconnect, every answer came on the first table
            self._answered_by.table = table
            if link is not self._link:
                self._close_idle()
        return value

    def stream(
        self,
        spec: CallSpec,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
        convert: Callable[[Any], Any] | None = None,
        errors: Callable[[Exception], BaseException] | None = None,
        source: Iterable[Any] | None = None,
    ) -> RemoteStream[Any]:
        """Start a call whose result is a stream (docs/protocol.md 5.5); iterate the result for
        its items (wire values, or `convert`ed). The timeout covers the whole stream. With
        `source` (bidirectional) a thread sends its items meanwhile."""
        link, call_id, deadline = self._start(spec, timeout, metadata, STREAM_WINDOW)
        if source is not None:
            threading.Thread(
                target=self._pump_quietly, args=(link, call_id, source, deadline), daemon=True
            ).start()
        return RemoteStream(self, link, call_id, deadline, convert, errors)

    def _start(
        self,
        spec: CallSpec,
        timeout: float | None,
        metadata: Mapping[str, str] | None,
        window: int | None,
    ) -> tuple[_Link, int, float | None]:
        if timeout is None:
            timeout = self.default_timeout
        now = monotonic()
        deadline = deadline_after(timeout, now)
        link = self._link
        if link is None or not link.table.open:
            link = self._relink(deadline, spec.instance, spec.target)
        with link.send_lock:
            call_id, data = link.table.start_call(
                spec.kind, spec.target, spec.member, spec.args, spec.kwargs, spec.instance,
                deadline, self.default_metadata, metadata, now, window,
            )  # fmt: skip
            self._send(link, data)
        return link, call_id, deadline

    def _invoke_streaming(
        self,
        spec: CallSpec,
        source: Iterable[Any],
        timeout: float | None,
        metadata: Mapping[str, str] | None,
    ) -> object:
        link, call_id, deadline = self._start(spec, timeout, metadata, None)
        try:
            self._pump(link, call_id, source, deadline)
            self._wait(call_id, deadline, link)
        except BaseException as e:
            raise self._abandon(link, call_id, e) from None
        return link.table.take(call_id, 0.0 if deadline is None else monotonic())

    def _pump(self, link: _Link, key: int, source: Iterable[Any], deadline: float | None) -> None:
        """Send `source` as the call's stream parameter within the credit the gateway grants,
        then END; stops early once the call is answered (docs/protocol.md 5.5.3)."""
        table = link.table
        ready = _Credit(table, key)
        for item in source:
            while not ready.check():
                self._wait(key, deadline, link, ready=ready)
            if table.may_send_item(key) is None:
                return
            with link.send_lock:
                self._send(link, table.send_item(key, item))
        with link.send_lock:
            self._send(link, table.end_items(key))

    def _pump_quietly(
        self, link: _Link, key: int, source: Iterable[Any], deadline: float | None
    ) -> None:
        """`_pump` on its own thread (bidirectional): a failure fails the call for its reader."""
        try:
            self._pump(link, key, source, deadline)
        except BaseException as e:  # the caller's iterable raised, or the deadline passed
            error = expired() if isinstance(e, TimeoutError) else e
            with link.send_lock:
                self._send(link, link.table.abort(key, error))
            if self._sleepers:
                with self._state:
                    self._state.notify_all()

    def _now(self, deadline: float | None) -> float:
        return 0.0 if deadline is None else monotonic()

    def _cancel_dropped(self, link: _Link, key: int) -> None:
        """A stream was dropped unclosed (from a finalizer: any thread, any moment): send its
        CANCEL now if nobody is sending, else with the next message."""
        link.table.cancel_later(key)
        if link.send_lock.acquire(blocking=False):
            try:
                self._send(link, b"")
            finally:
                link.send_lock.release()

    def _again(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        instance: int | None,
        deadline: float | None,
        metadata: Mapping[str, str] | None,
    ) -> tuple[_Link, object]:
        """Send a call once more, on a new connection, within its deadline (see
        `_may_resend`). This is how the first call after a gateway restart goes through:
        nothing reads an idle connection, so that call is what finds the old gateway's GOAWAY.
        An instance id of the old connection is refused (NOT_FOUND) instead; a second refusal
        is raised."""
        link = self._relink(deadline, instance, target)
        table = link.table
        with link.send_lock:
            call_id, data = table.start_call(
                kind, target, member, args, kwargs, instance,
                deadline, self.default_metadata, metadata, monotonic(),
            )  # fmt: skip
            self._send(link, data)
        try:
            self._wait(call_id, deadline)
        except BaseException as e:
            raise self._abandon(link, call_id, e) from None
        return link, table.take(call_id, 0.0 if deadline is None else monotonic())

    def _abandon(self, link: _Link, key: int, error: BaseException) -> BaseException:
        """The caller stops waiting (its deadline, a KeyboardInterrupt): stop the gateway's
        work; returns what to raise."""
        with link.send_lock:
            data = link.table.give_up(key)
            if data:
                self._send(link, data)
        return expired() if isinstance(error, TimeoutError) else error

    def _wait(
        self,
        key: int,
        deadline: float | None,
        link: _Link | None = None,
        stream: bool = False,
        ready: Any = None,
    ) -> None:
        """Wait until `key` is answered (TimeoutError at `deadline`), or for a `stream` until
        it has an item, reading the transport while no other thread does.

        The common case (one calling thread) takes the read lock without blocking and loops on
        recv; `_state` is only touched when other threads sleep waiting for their answers."""
        if link is None:
            link = self._link
            if key not in link.table.waiting:  # a call on a connection replaced since
                link = next(x for x in self._draining if key in x.table.waiting)
        answers = link.table.answers
        if stream:  # items count as answers; an empty dict when the stream was dropped
            answers = _Either(answers, link.table.items.get(key), key)
        elif ready is not None:  # a stream parameter's sender: credit, or the answer
            answers = ready
        while key not in answers:
            if link.read_lock.acquire(blocking=False):
                try:
                    while key not in answers:
                        self._read_once(link, deadline)
                finally:
                    link.read_lock.release()
                    if self._sleepers:
                        with self._state:
                            self._state.notify_all()  # one of them takes over reading
                return
            with self._state:
                self._sleepers += 1
                try:
                    while key not in answers and link.read_lock.locked():
                        left = None if deadline is None else deadline - monotonic()
                        if left is not None and left <= 0:
                            raise TimeoutError
                        self._state.wait(left)
                finally:
                    self._sleepers -= 1

    def _read_once(self, link: _Link, deadline: float | None) -> None:
        """Read once (TimeoutError at the deadline) and route what came."""
        left = None if deadline is None else deadline - monotonic()
        if left is not None and left <= 0:
            raise TimeoutError
        data = b"" if link.closed else link.transport.recv(left)
        table = link.table
        # no lock to route: senders only add waiters and the routing only queues what it
        # wants sent, so the two never touch the same thing (see CallTable.start_call)
        answered = table.receive(data)
        if table.outgoing:
            with link.send_lock:
                self._send(link, b"")
        if table.lost is not None:
            self._close(link)
        if answered and self._sleepers:
            with self._state:
                self._state.notify_all()

    def _send(self, link: _Link, data: bytes) -> bool:
        """Send what the table has waiting, then `data`, under `link.send_lock`. A failure fails
        the connection's waiters instead of raising, so every caller learns of it the same way:
        from its answer. False if `data` surely did not go out (the WebSocket was closing, as
        the trio client's `_send` tells it): a call is then sent again on a new connection."""
        transport = link.transport
        try:
            if link.table.outgoing:
                for chunk in link.table.take_outgoing():
                    transport.send(chunk)
            if data:
                transport.send(data)
        except ConnectionLost as e:
            link.table.fail(e)
            self._close(link)
        except WebSocketClosed:  # read a close frame: the reading thread routes what came first
            link.table.fail(ConnectionLost("the gateway closed the WebSocket"))
            self._close(link)
            return False
        return True

    def ping(self, timeout: float | None = 10.0) -> float:
        """Round-trip time to the gateway, in seconds."""
        start = monotonic()
        deadline = deadline_after(timeout, start)
        link = self._link
        if link is None or not link.table.open:
            link = self._relink(deadline, None, "")
        with link.send_lock:
            key, data = link.table.start_ping()
            self._send(link, data)
        try:
            self._wait(key, deadline)
        except BaseException as e:
            raise self._abandon(link, key, e) from None
        link.table.take(key, 0.0)
        return monotonic() - start

    def release(self, instance_id: int) -> None:
        """Drop a remote instance now (instances are also dropped when the connection closes)."""
        self.release_many((instance_id,))

    def release_many(self, instance_ids: tuple[int, ...] | list[int]) -> None:
        link = self._link
        if instance_ids and link is not None:
            with link.send_lock:
                data = link.table.release_now(instance_ids)
                if data:
                    self._send(link, data)

    # ---------------------------------------------------------------- connections

    def _relink(self, deadline: float | None, instance: object, target: str) -> _Link:
        """The open connection for a call, opening one within the call's deadline."""
        self._refuse(instance, target)
        left = -1.0 if deadline is None else max(deadline - monotonic(), 0.0)
        if not self._connect_lock.acquire(timeout=left):  # another thread is connecting
            raise expired()
        try:
            link: _Link | None = self._link
            if link is not None and link.table.open:
                return link  # another thread connected meanwhile
            link = self._open_link(deadline)
            if self._closed:  # closed while connecting
                self._close(link)
                raise ConnectionLost("the client was closed")
            for idle in self._publish(link):
                self._close(idle)
            return link
        finally:
            self._connect_lock.release()

    def _open_link(self, deadline: float | None) -> _Link:
        now = monotonic()
        budget, by_call = self._budget(deadline, now)
        end = None if budget is None else now + budget
        attempt = 0
        while True:
            try:
                transport = self._open_transport(None if end is None else end - monotonic())
            except TimeoutError:
                raise self._timed_out(by_call) from None
            link = _Link(self._new_table(transport.message_mode), transport)
            try:
                with link.send_lock:
                    self._send(link, link.table.start_handshake())
                self._wait(HELLO, end, link)
                link.table.take(HELLO, monotonic())
            except TimeoutError:
                self._close(link)
                raise self._timed_out(by_call) from None
            except ConnectionLost as e:
                self._close(link)
                pause = self._handshake_pause(e, attempt, monotonic(), end)
                if pause is None:
                    raise
                attempt += 1
                time.sleep(pause)
                continue
            except BaseException:
                self._close(link)
                raise
            return link

    def _close(self, link: _Link) -> None:
        if not link.closed:
            link.closed = True
            link.transport.close()
        if self._sleepers:  # sleepers on it read next, and find it closed
            with self._state:
                self._state.notify_all()

    def _close_idle(self) -> None:
        if not self._connect_lock.acquire(blocking=False):
            return  # a thread is connecting; it closes idle connections when it is done
        try:
            idle = self._idle()
        finally:
            self._connect_lock.release()
        for link in idle:
            self._close(link)

    def _answered_table(self) -> CallTable:
        table: CallTable | None = getattr(self._answered_by, "table", None)
        if table is None:
            table = self._first_table  # this thread's latest answer came before any reconnect
        return table if table is not None else super()._answered_table()

    # ---------------------------------------------------------------- dynamic API

    def call(
        self,
        name: str,
        /,
        *args: Any,
        _timeout: float | None = None,
        _metadata: Mapping[str, str] | None = None,
        _idempotent: bool = False,
        _source: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call a function (`"add"`) or a static method (`"Cart.with_items"`) by name.
        Remote instances in the result come back as `RemoteObject` proxies. `_idempotent`:
        the member is safe to run twice, so UNAVAILABLE is retried (`retry_policy`; never
        with a `_source`, whose items cannot be sent twice). `_source`: the items of the
        function's stream parameter (pass None in its place)."""
        spec = self._call_spec(name, args, kwargs)
        if not _idempotent or _source is not None:
            return self._wrap(
                self.invoke(spec, timeout=_timeout, metadata=_metadata, source=_source)
            )
        retrier = self._retrier(_timeout, monotonic())
        value = run_with_retry(
            lambda left: self.invoke(spec, timeout=left, metadata=_metadata),
            retrier, monotonic, time.sleep,
        )  # fmt: skip
        return self._wrap(value)

    def call_stream(
        self,
        name: str,
        /,
        *args: Any,
        _timeout: float | None = None,
        _metadata: Mapping[str, str] | None = None,
        _source: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> RemoteStream[Any]:
        """Call a streaming function by name: `for item in client.call_stream("tail", "app")`.
        Items are wire values; `_source` feeds a stream parameter (bidirectional)."""
        spec = self._call_spec(name, args, kwargs)
        return self.stream(spec, timeout=_timeout, metadata=_metadata, source=_source)

    def new(self, class_name: str, /, *args: Any, **kwargs: Any) -> RemoteObject:
        """Create an instance of a class on the gateway; it lives until released."""
        obj: RemoteObject = self._wrap_new(
            class_name, self.invoke(self._new_spec(class_name, args, kwargs))
        )
        return obj

    # ---------------------------------------------------------------- lifetime

    def close(self) -> None:
        """Close the connection; the gateway releases every instance it held for it. A closed
        client does not reconnect."""
        if self._closed:
            return
        self._closed = True
        for link in self._links():
            with link.send_lock:
                data, _ = link.table.close()
                if data and not link.closed:
                    try:
                        link.transport.send(data)
                    except (GraftError, OSError, WebSocketClosed):  # a broken connection
                        pass
            self._close(link)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Either:
    """`key in answers or items`: what a stream's reader waits for, with the `in` test `_wait`
    makes for a plain call."""

    __slots__ = ("answers", "items", "key")

    def __init__(self, answers: dict[int, Any], items: Any, key: int) -> None:
        self.answers, self.items, self.key = answers, items, key

    def __contains__(self, key: object) -> bool:
        return key in self.answers or bool(self.items)


class _Credit:
    """`key in` it: the call may send an item now, or no longer needs to (answered)."""

    __slots__ = ("key", "table")

    def __init__(self, table: CallTable, key: int) -> None:
        self.table, self.key = table, key

    def check(self) -> bool:
        return self.table.may_send_item(self.key) is not False

    def __contains__(self, key: object) -> bool:
        return self.check()
