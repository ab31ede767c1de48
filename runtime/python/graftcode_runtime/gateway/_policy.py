"""The session policy: every rule of one gateway connection in one sans-IO place, in h11's
style. Drivers (trio, threads, in memory, the ones to come) only move bytes, keep timers and run
user code; they feed the policy what happened and carry out what it decided.

Events in:  `receive(data, now)` (bytes, or one message in message framing; `b""` = end of the
            transport), `returned(job, value)` / `raised(job, exc)` (user code finished),
            `expire(now)` (a deadline may have passed), `sent(n)` (n bytes were written),
            `go_away()` (drain starts), `shut_down()` (the grace period ended),
            `connection_lost(reason)`, `finished(now)` (the transport is closed).
Actions out: the jobs `receive` returns (run them), `take_output()` (bytes to write, in
            order), `take_abandoned()` (jobs to stop: they were answered already),
            `wants_read` (false: stop reading from this peer), `next_deadline` (when to call
            `expire`), `closing` (a reason: write what is left, then close).

What it decides: the handshake (auth, module choice, limits, features), admission (the
concurrency limit, counting answers not yet written; draining), deadlines as data, answers
and refusals (an answer larger than the peer accepts becomes RESOURCE_EXHAUSTED), CANCEL,
GOAWAY both ways, and back-pressure: once `max_pending_output` bytes of output are unwritten,
`wants_read` turns false, so a peer that never reads costs bounded memory (docs/gateway.md).
It imports no socket, thread, trio or clock: time comes in as `now` (`time.monotonic()`).
It counts what it decides in `stats` (`_metrics.SessionStats`, for `GET /metrics`), whose
latency histogram reads the same clock when an answer is queued.
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol

from ..context import Identity
from ..protocol import (
    FEATURE_STREAM,
    NEED_DATA,
    SERVER,
    Call,
    Cancel,
    Connection,
    ConnectionClosed,
    End,
    Error,
    Framing,
    GoAway,
    Hello,
    Item,
    Limits,
    LocalProtocolError,
    Ping,
    Pong,
    RemoteError,
    RemoteProtocolError,
    Result,
    State,
    StatusCode,
    Window,
)
from ._auth import Authenticator, Peer, Refuse
from ._config import GatewayConfig
from ._dispatch import Dispatcher, Job
from ._hosting import HostedModule
from ._inbox import cancelled
from ._log import event
from ._metrics import Metrics, SessionStats
from ._policy_streams import StreamRules

AGENT = "graftcode-python-gateway/0.1.0"
SUPPORTED_FEATURES: frozenset[str] = frozenset({FEATURE_STREAM})
# A longer timeout is no deadline at all: it outlives any process, and timers cannot wait that
# long anyway (2**64-1 ms overflows every clock API).
MAX_TIMEOUT_MS = 366 * 24 * 3600 * 1000


def _ignore(n: int) -> None:
    pass


class Host(Protocol):
    """What a session needs from its gateway."""

    @property
    def config(self) -> GatewayConfig: ...

    @property
    def hosted(self) -> Mapping[str, HostedModule]: ...

    @property
    def draining(self) -> bool: ...

    @property
    def auth(self) -> Authenticator: ...

    @property
    def metrics(self) -> Metrics: ...

    def dispatcher(self, hosted: HostedModule) -> Dispatcher: ...


class Session(StreamRules):
    def __init__(
        self,
        host: Host,
        *,
        transport: str,
        peer: str,
        framing: Framing,
        now: float,
        tls_cert: Mapping[str, object] | None = None,
    ) -> None:
        cfg = host.config
        self.host = host
        self.transport = transport
        self.peer = peer
        self.tls_cert = tls_cert
        self.limits = Limits(
            max_message_size=cfg.max_message_size,
            max_instances=cfg.max_instances,
            max_concurrent_calls=cfg.max_calls_in_flight,
        )
        self.conn = Connection(SERVER, self.limits, framing=framing)
        self.dispatcher: Dispatcher | None = None
        self.identity: Identity | None = None
        self.jobs: dict[int, Job] = {}  # running: accepted and not answered yet
        self.closing: str | None = None
        self.failed = False  # closing after a protocol error or a refused handshake
        self._deadlines: list[tuple[float, int, Job]] = []  # a heap; answered jobs linger
        self._handshake_by = now + cfg.handshake_timeout
        self._write_limit = cfg.max_pending_output
        self._out: list[bytes] = []
        self._out_queued = 0  # bytes ever queued, and ever confirmed written
        self._out_sent = 0
        self._answers: deque[int] = deque()  # where each unwritten answer ends in the output
        self._abandoned: list[Job] = []
        self._ready: list[Job] = []  # streaming jobs whose next step is to run
        self._paused: dict[int, Job] = {}  # streaming jobs waiting for credit or for output room
        self._closing_producers: list[Job] = []
        self._streams = 0  # streaming calls open
        self.on_credit: Any = None
        """The driver's `(job, n) -> None`, callable from any thread: the member of a
        client-streaming call took `n` items; call `grant(job, n)` on the policy's side."""
        self._shutting_down = False
        self._opened = now
        self._calls_total = 0
        self._failed_calls = 0
        self._module = ""
        self.stats = SessionStats()  # this connection's metrics; only its driver counts
        host.metrics.opened(self)
        event("conn_open", peer=peer, transport=transport)

    # ---------------------------------------------------------------- queries

    @property
    def calls_in_flight(self) -> int:
        """Calls accepted and not answered, plus answers not yet written."""
        return len(self.jobs) + len(self._answers)

    @property
    def instances(self) -> int:
        return len(self.conn.instances)

    @property
    def pending_output(self) -> int:
        return self._out_queued - self._out_sent

    @property
    def wants_read(self) -> bool:
        return self.closing is None and self._out_queued - self._out_sent < self._write_limit

    @property
    def next_deadline(self) -> float | None:
        if self.closing is not None:
            return None
        if self.dispatcher is None:
            return self._handshake_by
        heap = self._deadlines
        while heap and heap[0][2].done:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def take_output(self) -> list[bytes]:
        out = self._out
        if out:
            self._out = []
        return out

    def take_abandoned(self) -> list[Job]:
        out = self._abandoned
        if out:
            self._abandoned = []
        return out

    # ---------------------------------------------------------------- events in

    def receive(self, data: bytes, now: float) -> list[Job]:
        """Bytes from the peer; returns the calls to run now."""
        # Tested through a local, not `self.closing` itself: mypy would keep `self.closing`
        # narrowed to None for the rest of the method, across the calls below that set it, and
        # mypyc compiles by what mypy infers (graftcode_runtime._mypyc), so the inline tests
        # below would be compiled as always false.
        closed = self.closing
        if closed is not None:
            return []
        self.stats.bytes_in += len(data)
        conn = self.conn
        conn.receive_data(data)
        jobs: list[Job] = []
        try:
            while True:
                ev = conn.next_event()
                if ev is NEED_DATA:
                    break
                # Exact-type dispatch on one type() call per message (the hot path); mypy does
                # not narrow `ev` through `t`, hence the ignores below.
                t = type(ev)
                if t is Call:
                    job = self._call(ev, now)  # type: ignore[arg-type]
                    if job is not None:
                        jobs.append(job)
                elif t is Cancel:
                    running = self.jobs.get(ev.id)  # type: ignore[union-attr]
                    if running is not None:
                        self._abort(running, StatusCode.CANCELLED, "cancelled by the caller")
                elif t is Window:
                    paused = self._paused.get(ev.id)  # type: ignore[union-attr]
                    if paused is not None:
                        self._schedule(paused)
                elif t is Item:
                    self._item(ev)  # type: ignore[arg-type]
                elif t is End:
                    target = self.jobs.get(ev.id)  # type: ignore[union-attr]
                    if target is not None and target.inbox is not None:
                        target.inbox.end()
                elif t is Ping:
                    self._queue(Pong(ev.opaque))  # type: ignore[union-attr]
                elif t is Hello:
                    self._hello(ev)  # type: ignore[arg-type]
                elif t is GoAway:
                    event("client_goaway", logging.DEBUG, peer=self.peer, last_id=ev.last_id)  # type: ignore[union-attr]
                elif t is ConnectionClosed:
                    truncated = ev.truncated  # type: ignore[union-attr]
                    self._close("connection lost mid-frame" if truncated else "closed by peer")
                # RELEASE (the core applied it to conn.instances) and PONG need nothing more
                if self.closing is not None:
                    break
                if conn.state is State.CLOSED:
                    self._close("goaway")
                    break
        except RemoteProtocolError as e:
            self._refuse(e.code, e.message, protocol_error=True)
        if conn.goaway_received is not None:  # see `_maybe_done`
            self._maybe_done()
        if self._ready:
            jobs += self.take_ready()
        if self.closing is not None:
            return [j for j in jobs if not j.done]
        return jobs

    def returned(self, job: Job, value: Any) -> bool:
        """User code returned `value`; False when the call was answered already. For a
        streaming job: the member returned its producer, or one step gave an item (or END)."""
        stream = job.stream
        if stream is not None:
            return self._stream_returned(job, value)
        if job.done:
            return False
        try:
            wire = job.to_wire(value, self.conn.instances)
        except RemoteError as e:
            return self._finish(job, None, e)
        return self._finish(job, wire, None)

    def raised(self, job: Job, exc: BaseException) -> bool:
        """User code raised `exc`; False when the call was answered already."""
        stream = job.stream
        if stream is not None:
            stream.stepping = False
            if stream.started:
                stream.finished = True  # a generator that raised is over
        if job.done:
            return False
        return self._finish(job, None, job.failure(exc, self.conn.instances))

    def expire(self, now: float) -> None:
        """Answer every call whose deadline passed (its work is abandoned); refuse a peer that
        sent no HELLO within the handshake timeout."""
        if self.closing is not None:
            return
        if self.dispatcher is None:
            if now >= self._handshake_by:
                self._refuse(
                    StatusCode.DEADLINE_EXCEEDED,
                    "no HELLO within the handshake timeout",
                    protocol_error=True,
                    reason="handshake timeout",
                )
            return
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            job = heapq.heappop(heap)[2]
            if not job.done:
                message = f"{job.where} did not finish before its deadline"
                self._abort(job, StatusCode.DEADLINE_EXCEEDED, message)

    def sent(self, n: int) -> None:
        """`n` more bytes of the output were written to the peer."""
        self._out_sent += n
        self.stats.bytes_out += n
        answers, done = self._answers, self._out_sent
        while answers and answers[0] <= done:
            answers.popleft()
        if self._paused and self.wants_read:
            for job in list(self._paused.values()):
                self._schedule(job)
        if self.conn.goaway_received is not None:  # see `_maybe_done`
            self._maybe_done()

    def go_away(self) -> None:
        """Graceful drain: no new calls; those accepted so far are still answered."""
        if self.closing is None and self.conn.state is State.OPEN:
            message = "the gateway is shutting down"
            self._queue(GoAway(self.conn.last_call_id, StatusCode.OK, message))

    def shut_down(self) -> None:
        """End of the grace period: what still runs is answered CANCELLED and abandoned."""
        self._shutting_down = True
        for job in list(self.jobs.values()):
            self._abort(job, StatusCode.CANCELLED, "the gateway is shutting down")
        self._close("goaway")

    def connection_lost(self, reason: str) -> None:
        """The transport failed or the driver is closing it: stop everything."""
        self._close(reason)

    def finished(self, now: float) -> None:
        """The transport is closed: release the connection's instances, log the summary."""
        self._close("closed")
        self.on_credit = None  # the driver's method: no cycle outlives the connection
        released = len(self.conn.instances.release_all())
        self.host.metrics.closed(self)
        event(
            "conn_close",
            peer=self.peer,
            transport=self.transport,
            module=self.dispatcher.module.name if self.dispatcher else None,
            reason=self.closing,
            calls=self._calls_total,
            failed=self._failed_calls,
            released_instances=released,
            seconds=round(now - self._opened, 3),
        )

    # ---------------------------------------------------------------- the rules

    def _hello(self, hello: Hello) -> None:
        host = self.host
        auth = host.auth
        if auth.enabled:
            token = hello.auth
            if isinstance(token, bytes):
                token = token.decode("utf-8", "replace")
            try:
                self.identity = auth.authenticate(
                    token, Peer(self.peer, self.transport, self.tls_cert)
                )
            except Refuse as e:
                self._refuse(e.code, e.message, protocol_error=False)
                return
        hosted = host.hosted
        h = hosted.get(hello.module) if hello.module else next(iter(hosted.values()))
        if h is None:
            names = ", ".join(hosted)
            message = f"this gateway does not host module {hello.module!r}; it hosts: {names}"
            self._refuse(StatusCode.NOT_FOUND, message, protocol_error=False)
            return
        self.dispatcher = host.dispatcher(h)
        self._module = h.name
        features = tuple(f for f in hello.features if f in SUPPORTED_FEATURES)
        streams = FEATURE_STREAM in features
        self._queue(
            Hello(
                module=h.name,
                version=h.module.version,
                schema=h.schema_hash,
                limits=self.limits,
                features=features,
                agent=AGENT,
                modules=tuple(hosted),
                debug=host.config.debug,
                stream_window=host.config.stream_window if streams else 0,
                max_streams=host.config.max_streams if streams else 0,
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

    def _call(self, call: Call, now: float) -> Job | None:
        self._calls_total += 1
        conn = self.conn
        # judged on arrival, before others finish; answers not yet written count too, so a
        # peer that pipelines calls and never reads cannot make the gateway hold more
        if len(conn.calls_in_flight) + len(self._answers) > self.limits.max_concurrent_calls:
            limit = self.limits.max_concurrent_calls
            message = f"more than {limit} calls in flight on this connection"
            self._refuse_call(call, RemoteError(StatusCode.RESOURCE_EXHAUSTED, message))
            return None
        if self.host.draining and conn.goaway_sent is None:
            # The drain has not reached this connection yet (it was in its handshake then): a
            # GOAWAY below this call tells the client it never ran, so the client sends it
            # again on a new connection (to another gateway, behind a balancer) instead of
            # failing it: a rolling restart fails no call (docs/deploy.md).
            conn.calls_in_flight.discard(call.id)
            self._queue(GoAway(call.id - 1, StatusCode.OK, "the gateway is shutting down"))
            return None
        ms = call.timeout_ms
        deadline = None if ms is None or ms > MAX_TIMEOUT_MS else now + ms / 1000
        assert self.dispatcher is not None  # the core accepts no CALL before the handshake
        try:
            job = self.dispatcher.prepare(
                call, conn.instances, self.peer, deadline, now, self.identity
            )
        except RemoteError as e:
            self._refuse_call(call, e)
            return None
        takes_stream = job.plan.stream_index >= 0
        if job.stream is not None or takes_stream:
            refusal = self._stream_refusal(job)
            if refusal is not None:
                self._refuse_call(call, refusal)
                return None
            self._streams += 1
            if takes_stream:
                self._open_inbox(job)
        job.started = now
        self.jobs[call.id] = job
        if deadline is not None:
            heapq.heappush(self._deadlines, (deadline, call.id, job))
        return job

    def _abort(self, job: Job, code: StatusCode, message: str) -> None:
        """Answer a running call now (cancel, deadline, shutdown) and abandon its work."""
        if self._finish(job, None, RemoteError(code, message)):
            job.abandon()
            self._abandoned.append(job)

    def _finish(self, job: Job, value: Any, error: RemoteError | None) -> bool:
        job.done = True
        if self.jobs.pop(job.call_id, None) is None:
            return False
        if job.stream is not None:
            self._stream_over(job)
        elif job.inbox is not None:
            self._streams -= 1
        if job.inbox is not None:
            job.inbox.fail(cancelled())  # wakes a member still reading: nothing more comes
            job.inbox.on_taken = _ignore  # (its hook refers to the job: no cycle left behind)
        request = job.request
        target, member = request.target, request.member
        if error is None:
            code = "OK"
            try:  # inline, not a helper's frame: this is every successful call's answer
                self._queue(Result(job.call_id, value), True)
            except LocalProtocolError as e:
                code = self._result_unsent(job.call_id, target, member, e)
        else:
            code = self._answer_error(job.call_id, target, member, error)
        self.stats.answered(self._module, job.plan.where, code, job.started)
        if self.conn.goaway_received is not None:  # see `_maybe_done`
            self._maybe_done()
        return True

    def _refuse_call(self, call: Call, error: RemoteError) -> None:
        code = self._answer_error(call.id, call.target, call.member, error)
        assert self.dispatcher is not None  # calls come after the handshake
        label = self.host.metrics.member_label(self.dispatcher.module, call.target, call.member)
        self.stats.answered(self._module, label, code, None)

    def _result_unsent(self, call_id: int, target: str, member: str, e: LocalProtocolError) -> str:
        """A RESULT could not be queued; the name of the status code actually answered."""
        if e.code is StatusCode.RESOURCE_EXHAUSTED:
            # the answer is larger than the client accepts: tell it so instead
            error = RemoteError(StatusCode.RESOURCE_EXHAUSTED, e.message)
            return self._answer_error(call_id, target, member, error)
        # else the connection is closing or failed: nobody reads the answer any more
        return "OK"

    def _answer_error(self, call_id: int, target: str, member: str, e: RemoteError) -> str:
        self._failed_calls += 1
        if e.code is StatusCode.CANCELLED and self._shutting_down:
            e = RemoteError(StatusCode.CANCELLED, "the gateway is shutting down")
        bug = e.code in (StatusCode.INTERNAL, StatusCode.UNKNOWN) and not e.type_name
        event(
            "call_failed",
            logging.WARNING if bug else logging.INFO,
            peer=self.peer,
            call_id=call_id,
            target=target,
            member=member or None,
            code=e.code.name,
            type=e.type_name,
            message=e.message,
        )
        fields = dict(e.fields) if e.type_name is not None else None
        answer = Error(call_id, e.code, e.message, e.type_name, fields, e.remote_traceback)
        try:
            self._queue(answer, True)
        except LocalProtocolError:
            pass  # closing, or even the error does not fit: the peer's limits are absurd
        return e.code.name

    def _refuse(
        self, code: StatusCode, message: str, *, protocol_error: bool, reason: str = ""
    ) -> None:
        """Send a failing GOAWAY, then close."""
        event(
            "protocol_error" if protocol_error else "handshake_refused",
            logging.WARNING,
            peer=self.peer,
            code=code.name,
            error=message,
        )
        self.failed = True
        try:
            self._queue(GoAway(self.conn.last_call_id, code, message))
        except LocalProtocolError:
            pass
        kind = "protocol error" if protocol_error else "refused"
        self._close(reason or f"{kind}: {message}")

    def _maybe_done(self) -> None:
        # after the client's graceful GOAWAY, the connection ends with its last answer. Its
        # callers (each answer, write and read) test `conn.goaway_received` first, inline: the
        # call itself is most of its cost, and almost every connection never gets a GOAWAY.
        conn = self.conn
        if (
            self.closing is None
            and conn.state is State.CLOSING
            and conn.goaway_received is not None
            and not self.jobs
            and not self._answers
        ):
            self._close("goaway")

    def _close(self, reason: str) -> None:
        if self.closing is not None:
            return
        self.closing = reason
        for job in self.jobs.values():  # nobody will read their answers
            job.done = True
            job.abandon()
            self._abandoned.append(job)
            if job.stream is not None:
                self._stream_over(job)
            if job.inbox is not None:
                job.inbox.fail(cancelled())
        self.jobs.clear()

    def _queue(self, ev: Any, answer: bool = False) -> None:
        data = self.conn.send(ev)
        self._out.append(data)
        self._out_queued += len(data)
        if answer:
            self._answers.append(self._out_queued)
