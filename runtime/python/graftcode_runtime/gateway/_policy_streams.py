"""The session policy's rules for streams (docs/protocol.md 5.5), mixed into `_policy.Session`:
stepping server-streaming producers under credit, pausing and resuming them, closing them when
their call ends, feeding client streams and granting their credit back, and the open-streams
limit. Sans-IO like the rest of the policy: drivers run what `take_ready` gives, close what
`take_closing` gives, and call `grant` when `on_credit` tells them a member read items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ugm
from ..protocol import (
    Connection,
    InvalidValue,
    Item,
    LocalProtocolError,
    RemoteError,
    StatusCode,
    Window,
)
from ._dispatch import ArgumentError, Job, stream_param
from ._inbox import Inbox
from ._streaming import END, SKIPPED

if TYPE_CHECKING:
    from ._policy import Host


class StreamRules:
    """State: `_ready` (jobs whose next step is to run), `_paused` (waiting for credit or for
    room in the output), `_closing_producers`, `_streams` (streaming calls open)."""

    conn: Connection
    host: Host
    jobs: dict[int, Job]
    closing: str | None
    on_credit: Any
    _ready: list[Job]
    _paused: dict[int, Job]
    _closing_producers: list[Job]
    _streams: int

    @property
    def wants_read(self) -> bool:
        raise NotImplementedError

    def _queue(self, ev: Any, answer: bool = False) -> None:
        raise NotImplementedError

    def _finish(self, job: Job, value: Any, error: RemoteError | None) -> bool:
        raise NotImplementedError

    def take_ready(self) -> list[Job]:
        """Streaming jobs to run again (`job.start()` is their next step), like new calls."""
        out = self._ready
        if out:
            self._ready = []
        return out

    def take_closing(self) -> list[Job]:
        """Streaming jobs whose producer is to be closed (its `finally` runs):
        `job.stream.close()` off the policy's lock, and the coroutine it may give on the
        asyncio bridge. A step still running when its call ended is closed by the driver once
        the step is back (it returns its value or raises to `returned`/`raised` as usual)."""
        out = self._closing_producers
        if out:
            self._closing_producers = []
        return out

    def dropped(self, job: Job) -> bool:
        """The driver will not run (or finish) a step it was given: the call ended first.
        True when the producer is now to be closed (`take_closing`)."""
        stream = job.stream
        if stream is None or not stream.stepping:
            return False
        stream.stepping = False
        if job.done and stream.is_async and stream.started and not stream.finished:
            self._closing_producers.append(job)
            return True
        return False

    def grant(self, job: Job, n: int) -> None:
        """The member of a client-streaming call took `n` items: the caller may send as many
        more (WINDOW)."""
        if job.done or self.closing is not None:
            return
        try:
            self._queue(Window(job.call_id, n))
        except LocalProtocolError:
            pass  # answered meanwhile

    def _open_inbox(self, job: Job) -> None:
        window = self.host.config.stream_window
        inbox = job.inbox = Inbox(window)
        self.conn.accept_stream(job.call_id)
        on_credit = self.on_credit
        if on_credit is not None:
            inbox.on_taken = lambda n: on_credit(job, n)

    def _item(self, ev: Item) -> None:
        job = self.jobs.get(ev.id)
        if job is None or job.inbox is None:
            return  # the core checked the rest: this call's answer crossed the item
        i = stream_param(job.plan.params)
        item_type = job.plan.params[i].type
        assert isinstance(item_type, ugm.StreamOf)
        try:
            value = job.dispatcher.codec.from_wire(
                item_type.item, ev.value, instances=self.conn.instances
            )
        except InvalidValue as e:
            message = f"{job.where}: argument {job.plan.params[i].name!r}: stream item: {e}"
            job.inbox.fail(ArgumentError(StatusCode.INVALID_ARGUMENT, message))
            return
        job.inbox.put(value)

    def _stream_refusal(self, job: Job) -> RemoteError | None:
        if not self.conn.streams:
            return RemoteError(
                StatusCode.FAILED_PRECONDITION,
                f"{job.where} streams; this client did not announce the stream feature",
            )
        limit = self.host.config.max_streams
        if self._streams >= limit:
            return RemoteError(
                StatusCode.RESOURCE_EXHAUSTED,
                f"more than {limit} streaming calls open on this connection",
            )
        return None

    def _stream_returned(self, job: Job, value: Any) -> bool:
        stream = job.stream
        assert stream is not None
        stream.stepping = False
        if job.done:  # the call ended while this step ran: nothing more is sent
            if value is END:
                stream.finished = True
            elif stream.is_async and value is not SKIPPED:
                self._closing_producers.append(job)  # (a sync step closes it itself)
            return False
        if not stream.started:
            try:
                stream.begin(value)
            except TypeError:
                error = RemoteError(
                    StatusCode.INTERNAL,
                    f"internal error in {job.where}: it returned a "
                    f"{type(value).__name__}, not an iterable",
                )
                return self._finish(job, None, error)
        elif value is END:
            stream.finished = True
            return self._finish(job, None, None)
        else:
            try:
                self._queue(Item(job.call_id, job.item_to_wire(value, self.conn.instances)))
            except RemoteError as e:
                return self._finish(job, None, e)
            except LocalProtocolError as e:
                if e.code is not StatusCode.RESOURCE_EXHAUSTED:
                    return self._finish(job, None, RemoteError(StatusCode.CANCELLED, e.message))
                return self._finish(job, None, RemoteError(e.code, e.message))
            stream.sent += 1
        self._schedule(job)
        return True

    def _schedule(self, job: Job) -> None:
        """Step a streaming job again if its caller has credit left and the output has room;
        else park it until a WINDOW or a write makes room (a paused producer is not stepped)."""
        stream = job.stream
        if job.done or stream is None or stream.stepping:
            return
        if self.conn.send_credit(job.call_id) > 0 and self.wants_read:
            self._paused.pop(job.call_id, None)
            stream.stepping = True
            self._ready.append(job)
        else:
            self._paused[job.call_id] = job

    def _stream_over(self, job: Job) -> None:
        """A streaming call was answered or abandoned: close its producer unless it ended by
        itself or a step still runs (the driver closes it when the step is back)."""
        stream = job.stream
        assert stream is not None
        self._streams -= 1
        self._paused.pop(job.call_id, None)
        if stream.end():
            self._closing_producers.append(job)
