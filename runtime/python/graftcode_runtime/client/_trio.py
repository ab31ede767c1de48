"""The trio client: one reader task per connection routes answers to the tasks waiting for
them, so any number of tasks can call concurrently over one connection.

What a call means is the call table's (`_call_table.CallTable`); this module only sends, reads,
waits and keeps time. Reader tasks live in the nursery of `connect_async`'s context, which is
also where a reconnect starts the new connection's reader.
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any

import trio

from ..protocol._errors import ConnectionLost, GraftError, LocalProtocolError
from ..transport._trio import Wire
from ._base import ClientBase, WebSocketClosed
from ._call_table import HELLO, NOTHING, STREAM_WINDOW, CallTable, expired
from ._callspec import CallSpec
from ._remote import AsyncRemoteObject
from ._streams import AsyncRemoteStream
from ._trio_link import (
    TrioLink,
    answers_pending,
    hand_over,
    idle,
    may_lead,
    park,
    read_socket,
    shared_event,
    wake,
)

_GONE = (trio.BrokenResourceError, trio.ClosedResourceError)
Opener = Callable[[], Awaitable[Wire]]
_TORN = "the connection was closed: a call was cancelled while it was being sent"


class AsyncClient(ClientBase):
    """A connection to one module on a gateway, for trio programs. Open it with
    `async with graftcode_runtime.connect_async(url) as client:`. After the connection is
    lost, the next call opens a new one inside that context."""

    _proxy_type = AsyncRemoteObject

    def __init__(self, opener: Opener, nursery: trio.Nursery, **settings: Any) -> None:
        super().__init__(**settings)
        self._open_wire = opener
        self._nursery = nursery
        self._connect_lock = trio.Lock()
        self._answered: CallTable | None = None

    async def invoke(
        self,
        spec: CallSpec,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
        source: Iterable[Any] | AsyncIterable[Any] | None = None,
    ) -> object:
        """Run one remote operation; wire values in, wire values out. Cancelling the calling
        task sends CANCEL to the gateway. `source`: the items of the member's stream parameter
        (client streaming; its place in `spec.args` is None)."""
        if timeout is None and self.default_timeout is None:
            deadline = None  # (no clock read: the table reads `now` only against a deadline)
        else:
            deadline = self._deadline(timeout, trio.current_time())
        if source is not None:
            link = self._link
            if link is None or not link.table.open:
                link = await self._relink(deadline, spec.instance, spec.target)
            key = await self._send_call(link, spec, deadline, metadata, first=False)
            self._nursery.start_soon(self._pump, link, key, source, deadline)
            return await self._answer(link, key, deadline, shared=True)
        link = self._link
        if link is None or not link.table.open:
            link = await self._relink(deadline, spec.instance, spec.target)
        key = await self._send_call(link, spec, deadline, metadata, first=True)
        if key:
            try:
                return await self._answer(link, key, deadline)
            except GraftError as e:
                if not self._may_resend(e, link.table, sent=True):
                    raise
        # not sent, or refused unrun: once more on a new connection, within the same deadline
        link = await self._relink(deadline, spec.instance, spec.target)
        key = await self._send_call(link, spec, deadline, metadata, first=False)
        return await self._answer(link, key, deadline)

    def stream(
        self,
        spec: CallSpec,
        *,
        timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
        convert: Callable[[Any], Any] | None = None,
        errors: Callable[[Exception], BaseException] | None = None,
        source: Iterable[Any] | AsyncIterable[Any] | None = None,
    ) -> AsyncRemoteStream[Any]:
        """A call whose result is a stream (docs/protocol.md 5.5), sent when iteration starts:
        `async for` over it; `aclose()` or leaving `async with` cancels it. The timeout
        covers the whole stream."""

        async def start() -> tuple[TrioLink, int, float | None]:
            deadline = self._deadline(timeout, trio.current_time())
            link = self._link
            if link is None or not link.table.open:
                link = await self._relink(deadline, spec.instance, spec.target)
            key = await self._send_call(link, spec, deadline, metadata, first=False, window=True)
            if source is not None:  # bidirectional: the items go out meanwhile
                self._nursery.start_soon(self._pump, link, key, source, deadline)
            return link, key, deadline

        return AsyncRemoteStream(self, start, convert, errors)

    async def _pump(
        self,
        link: TrioLink,
        key: int,
        source: Iterable[Any] | AsyncIterable[Any],
        deadline: float | None,
    ) -> None:
        """Send `source` as the call's stream parameter within the credit the gateway grants,
        then END; stops once the call is answered. A failure of the caller's iterable fails
        the call (and cancels it on the gateway)."""
        table = link.table
        try:
            with trio.move_on_at(math.inf if deadline is None else deadline):
                async for item in _items(source):
                    while (may := table.may_send_item(key)) is False:
                        await shared_event(link, key).wait()
                    if may is None:
                        return
                    async with link.send_lock:
                        await self._send(link, table.send_item(key, item))
                async with link.send_lock:
                    await self._send(link, table.end_items(key))
        except Exception as e:
            async with link.send_lock:
                await self._send(link, table.abort(key, e))
            wake(link, [key])

    async def _next_item(self, link: TrioLink, key: int, deadline: float | None) -> Any:
        """The next item of a streamed call (or `END`), waiting for it within the deadline."""
        table = link.table
        while (value := table.take_item(key, trio.current_time())) is NOTHING:
            event = shared_event(link, key)
            got = False
            try:
                with trio.move_on_at(math.inf if deadline is None else deadline):
                    await event.wait()
                    got = True
            finally:
                if not got:  # our deadline, or the task was cancelled
                    await self._give_up(link, key)
            if not got:
                raise expired()
        if table.outgoing:  # the credit the caller's reading earned
            async with link.send_lock:
                await self._send(link, b"")
        return value

    def _cancel_dropped(self, link: TrioLink, key: int) -> None:
        """A stream dropped unclosed: its CANCEL goes with the next message sent."""
        link.waiters.pop(key, None)
        link.table.cancel_later(key)

    async def _send_call(
        self,
        link: TrioLink,
        spec: CallSpec,
        deadline: float | None,
        metadata: Mapping[str, str] | None,
        *,
        first: bool,
        window: bool = False,
    ) -> int:
        """Send the CALL; returns its key. A first attempt returns 0 instead if the connection
        was lost or told to go away while this task waited for the send lock (the call did not
        go out: `invoke` sends it on a new connection); a second one raises that refusal.

        On a plain TCP connection that nobody is sending on, the CALL is written to the socket
        at once (a non-blocking write: no lock, no scheduler pass; the answer's wait is this
        call's checkpoint). What the socket does not take goes out under the lock, taken
        without a checkpoint (we found it free and nothing ran since), so no other task's
        bytes come inside the frame; a cancellation before the rest is out fails the
        connection, which the torn frame has broken."""
        lock = link.send_lock
        direct = not window and link.fd >= 0  # a streamed result's CALL carries its window
        if direct and not lock.locked() and link.table.open and not link.table.outgoing:
            key, data = link.table.start_call(
                spec.kind, spec.target, spec.member, spec.args, spec.kwargs, spec.instance,
                deadline, self.default_metadata, metadata,
                0.0 if deadline is None else trio.current_time(),
            )  # fmt: skip
            try:
                n = os.write(link.fd, data)
            except BlockingIOError:
                n = 0
            except OSError:  # as `_send` does when the connection is gone
                wake(link, link.table.fail(ConnectionLost("the connection was lost")))
                return key
            if n < len(data):
                lock.acquire_nowait()
                try:
                    await self._send(link, data[n:])
                except BaseException:  # cancelled part way: the frame is torn (or, if none of
                    # it went out, registered as sent), and so the connection: its callers get
                    # ConnectionLost, the next call reconnects
                    wake(link, link.table.fail(ConnectionLost(_TORN)))
                    raise
                finally:
                    lock.release()
            return key
        async with lock:
            if first and not link.table.open:
                return 0
            key, data = link.table.start_call(
                spec.kind, spec.target, spec.member, spec.args, spec.kwargs, spec.instance,
                deadline, self.default_metadata, metadata, trio.current_time(),
                STREAM_WINDOW if window else None,
            )  # fmt: skip
            try:
                sent = await self._send(link, data)
            except BaseException:  # cancelled before it went out (or torn: then failed)
                link.table.give_up(key)  # so nothing waits for an answer that cannot come
                raise
            if not sent:  # the WebSocket had closed: not sent
                link.table.give_up(key)
                if first:
                    return 0
                raise ConnectionLost("the gateway closed the WebSocket")
        return key

    async def _answer(
        self, link: TrioLink, key: int, deadline: float | None, shared: bool = False
    ) -> Any:
        """Wait for the answer to `key`. The caller's task parks until the reader reschedules
        it (no Event per call); `shared`: the call sends a stream, so its pump waits on the
        same key (for WINDOWs): both wait on an Event, and this one waits on after a WINDOW."""
        table = link.table
        try:
            if key not in table.answers and key in table.waiting and not shared:
                wait = self._lead if may_lead(link) else park
                if deadline is None:  # no cancel scope to set up and tear down per call
                    await wait(link, key)
                else:
                    with trio.move_on_at(deadline):
                        await wait(link, key)
            while key not in table.answers and key in table.waiting:
                event = shared_event(link, key)
                with trio.move_on_at(math.inf if deadline is None else deadline) as scope:
                    await event.wait()
                if scope.cancelled_caught:
                    break
        finally:
            if key not in table.answers:  # our deadline, or the task was cancelled
                await self._give_up(link, key)
        if key not in table.answers:
            raise expired()
        self._answered = table  # read by instance_id() before this task's next checkpoint
        return table.take(key, 0.0 if deadline is None else trio.current_time())

    async def _send(self, link: TrioLink, data: bytes) -> bool:
        """Send what the table has waiting, then `data`, under `link.send_lock` (an answer
        read meanwhile waits in the table: `_answer` looks there before it parks). A failure
        fails the connection's waiters; False if `data` surely did not go out (the WebSocket
        was closing: the reader has yet to route what came before the close). A cancellation
        once sending began may have cut a frame, which breaks the connection: it is failed
        (its callers get ConnectionLost, the next call reconnects) instead of hanging."""
        wire = link.wire
        await trio.lowlevel.checkpoint_if_cancelled()  # before any byte: nothing to undo
        try:
            if link.table.outgoing:
                for chunk in link.table.take_outgoing():
                    await wire.send(chunk)
            if data:
                await wire.send(data)
        except _GONE:
            wake(link, link.table.fail(ConnectionLost("the connection was lost")))
        except WebSocketClosed:
            wake(link, link.table.fail(ConnectionLost("the gateway closed the WebSocket")))
            return False
        except BaseException:
            wake(link, link.table.fail(ConnectionLost(_TORN)))
            raise
        return True

    async def _give_up(self, link: TrioLink, key: int) -> None:
        link.waiters.pop(key, None)
        data = link.table.give_up(key)
        if data:
            with trio.CancelScope(shield=True), trio.move_on_after(1):
                async with link.send_lock:
                    await self._send(link, data)

    async def _lead(self, link: TrioLink, key: int) -> None:
        """Read the socket in the caller's own task until `key`'s answer is in, routing what
        comes for others; then let go of the read role (`_trio_link`), handing it to the
        reader task if others still wait or the connection is lost."""
        table, sock = link.table, link.sock
        assert sock is not None  # `may_lead`: a plain TCP connection
        link.leading = True
        try:
            while key not in table.answers and key in table.waiting:
                answered = await read_socket(table, sock)
                if table.outgoing:
                    async with link.send_lock:
                        await self._send(link, b"")
                wake(link, answered)
        finally:
            link.leading = False
            link.leads += 1
            if table.lost is not None or answers_pending(table, key):
                hand_over(link)

    async def _reader(self, link: TrioLink) -> None:
        table = link.table
        sock = link.sock
        try:
            while table.lost is None:
                if not link.reading:  # callers read for themselves
                    await idle(link)
                    continue
                if sock is not None:
                    answered = await read_socket(table, sock)
                else:
                    try:
                        data = await link.wire.receive()
                    except _GONE:  # closed under it (aclose, a failed send)
                        data = None
                    answered = table.receive(data or b"")
                if table.outgoing:
                    async with link.send_lock:
                        await self._send(link, b"")
                wake(link, answered)
                if sock is not None and not answers_pending(table):  # the next caller reads itself
                    link.reading = False
        finally:
            if table.lost is None:  # cancelled: the context that runs the readers is closing
                wake(link, table.fail(ConnectionLost("the client's context was left")))
            with trio.CancelScope(shield=True):
                await link.wire.aclose()

    async def ping(self) -> float:
        """Round-trip time to the gateway, in seconds."""
        start = trio.current_time()
        link = self._link
        if link is None or not link.table.open:
            link = await self._relink(None, None, "")
        async with link.send_lock:
            key, data = link.table.start_ping()
            await self._send(link, data)
        await self._answer(link, key, None)
        return trio.current_time() - start

    async def release(self, instance_id: int) -> None:
        await self.release_many((instance_id,))

    async def release_many(self, instance_ids: tuple[int, ...] | list[int]) -> None:
        link = self._link
        if instance_ids and link is not None:
            async with link.send_lock:
                data = link.table.release_now(instance_ids)
                if data:
                    await self._send(link, data)

    # ---------------------------------------------------------------- connections

    async def _relink(self, deadline: float | None, instance: object, target: str) -> TrioLink:
        """The open connection for a call, opening one within the call's deadline."""
        self._refuse(instance, target)
        with trio.move_on_at(math.inf if deadline is None else deadline):
            async with self._connect_lock:  # one task connects; the others wait for it
                link: TrioLink | None = self._link
                if link is not None and link.table.open:
                    return link  # another task connected meanwhile
                link = await self._connect(deadline)
                if self._closed:
                    await link.wire.aclose()
                    raise ConnectionLost("the client was closed")
                for idle in self._publish(link):
                    await idle.wire.aclose()
                return link
        raise expired()

    async def _connect(self, deadline: float | None) -> TrioLink:
        now = trio.current_time()
        budget, by_call = self._budget(deadline, now)
        end = None if budget is None else now + budget
        with trio.move_on_at(math.inf if end is None else end):
            attempt = 0
            while True:
                wire = await self._open_wire()
                link = TrioLink(self._new_table(wire.message_mode), wire)
                try:
                    self._nursery.start_soon(self._reader, link)
                    async with link.send_lock:
                        await self._send(link, link.table.start_handshake())
                    await self._answer(link, HELLO, None)
                except BaseException as e:
                    with trio.CancelScope(shield=True):
                        await wire.aclose()
                    pause = self._handshake_pause(e, attempt, trio.current_time(), end)
                    if pause is None:
                        raise
                    attempt += 1
                    await trio.sleep(pause)
                    continue
                return link
        raise self._timed_out(by_call)

    async def _start(self) -> None:
        """The first connection, when `connect_async` opens its context."""
        await self._relink(None, None, "")

    def _answered_table(self) -> CallTable:
        return self._answered if self._answered is not None else super()._answered_table()

    # ---------------------------------------------------------------- dynamic API

    async def call(
        self,
        name: str,
        /,
        *args: Any,
        _timeout: float | None = None,
        _metadata: Mapping[str, str] | None = None,
        _source: Iterable[Any] | AsyncIterable[Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """`_source`: the items of the function's stream parameter (pass None in its place)."""
        spec = self._call_spec(name, args, kwargs)
        return self._wrap(
            await self.invoke(spec, timeout=_timeout, metadata=_metadata, source=_source)
        )

    def call_stream(
        self,
        name: str,
        /,
        *args: Any,
        _timeout: float | None = None,
        _metadata: Mapping[str, str] | None = None,
        _source: Iterable[Any] | AsyncIterable[Any] | None = None,
        **kwargs: Any,
    ) -> AsyncRemoteStream[Any]:
        """Call a streaming function by name: `async for item in client.call_stream("tail")`.
        Items are wire values; `_source` feeds a stream parameter (bidirectional)."""
        spec = self._call_spec(name, args, kwargs)
        return self.stream(spec, timeout=_timeout, metadata=_metadata, source=_source)

    async def new(self, class_name: str, /, *args: Any, **kwargs: Any) -> AsyncRemoteObject:
        ref = await self.invoke(self._new_spec(class_name, args, kwargs))
        obj: AsyncRemoteObject = self._wrap_new(class_name, ref)
        return obj

    async def aclose(self) -> None:
        """Close every connection (the gateway releases their instances); no reconnecting."""
        self._closed = True
        for link in self._links():
            data, failed = link.table.close()
            wake(link, failed)
            if data:
                with trio.move_on_after(1):
                    try:
                        await link.wire.send(data)
                    except (*_GONE, LocalProtocolError, WebSocketClosed):
                        pass
            await link.wire.aclose()


async def _items(source: Iterable[Any] | AsyncIterable[Any]) -> AsyncIterator[Any]:
    if isinstance(source, AsyncIterable):
        async for item in source:
            yield item
    else:
        for item in source:
            yield item
            await trio.lowlevel.checkpoint()
