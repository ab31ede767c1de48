"""The trio driver: one connection over a trio `Wire` (TCP, TLS, WebSocket, in memory).

Every rule is the session policy's (`_policy.py`); this module only reads when the policy wants
to read, writes what it queued, sleeps until its next deadline, and runs user code: synchronous
members in the worker pool, coroutines on the asyncio bridge. A call that the policy abandons
(cancel, deadline, shutdown: it was answered already) has its task cancelled here.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import trio
from wsproto.utilities import LocalProtocolError as WebSocketClosed

from ..protocol import Framing
from ._dispatch import Job
from ._policy import Session

if TYPE_CHECKING:
    from ..transport._trio import Wire
    from ._server import Gateway

# a WebSocket whose close frame came refuses to send: the peer is gone as surely
_GONE = (trio.BrokenResourceError, trio.ClosedResourceError, WebSocketClosed)
_FINAL_FLUSH = 1.0  # seconds to write a GOAWAY and the last answers before closing anyway


class TrioSession:
    def __init__(
        self,
        gateway: Gateway,
        wire: Wire,
        transport: str,
        tls_cert: Mapping[str, object] | None = None,
    ) -> None:
        self.gateway = gateway
        self.wire = wire
        framing = Framing.MESSAGE if wire.message_mode else Framing.STREAM
        self.policy = Session(
            gateway,
            transport=transport,
            peer=wire.peer,
            framing=framing,
            now=time.monotonic(),
            tls_cert=tls_cert,
        )
        self._nursery: trio.Nursery | None = None
        self._read_scope: trio.CancelScope | None = None
        self._resume = trio.Event()  # reading was paused (back-pressure) and may go on
        self._writing = False
        self._written = trio.Event()
        self._timer_at = math.inf
        self._timer_changed = trio.Event()
        self._ended = trio.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self.policy.on_credit = self._credit

    @property
    def calls_in_flight(self) -> int:
        return self.policy.calls_in_flight

    # ---------------------------------------------------------------- life cycle

    async def run(self) -> None:
        policy = self.policy
        self._token = trio.lowlevel.current_trio_token()
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                nursery.start_soon(self._timer)
                await self._read_loop()
                with trio.move_on_after(_FINAL_FLUSH):
                    await self._drain_output()
                nursery.cancel_scope.cancel()
        finally:
            policy.connection_lost("the gateway stopped")
            self._stop_abandoned()
            await self._close_producers(wait=True)
            if policy.failed and hasattr(self.wire, "close_code"):
                self.wire.close_code = 1008  # WebSocket "policy violation"
            with trio.CancelScope(shield=True):
                await self.wire.aclose()
            policy.finished(time.monotonic())
            self._ended.set()

    async def go_away(self) -> None:
        """Graceful drain: no new calls; those accepted so far are still answered."""
        self.policy.go_away()
        await self._after()

    async def close(self) -> None:
        """End of the grace period: what still runs is answered CANCELLED, then we close."""
        self.policy.shut_down()
        await self._after()
        with trio.move_on_after(2 * _FINAL_FLUSH):
            await self._ended.wait()

    # ---------------------------------------------------------------- reading

    async def _read_loop(self) -> None:
        policy, wire = self.policy, self.wire
        assert self._nursery is not None
        start = self._nursery.start_soon
        while policy.closing is None:
            if not policy.wants_read:
                self._resume = trio.Event()
                await self._resume.wait()
                continue
            with trio.CancelScope() as scope:
                self._read_scope = scope
                data = await wire.receive()
            self._read_scope = None
            if scope.cancelled_caught:
                continue
            for job in policy.receive(data or b"", time.monotonic()):
                start(self._run, job)
            await self._after()

    def _stop_reading(self) -> None:
        if self._read_scope is not None:
            self._read_scope.cancel()
        self._resume.set()

    # ---------------------------------------------------------------- calls

    async def _run(self, job: Job) -> None:
        policy, gateway = self.policy, self.gateway
        if job.done:  # abandoned before it started
            if policy.dropped(job):
                await self._after()
            return
        stream = job.stream
        with trio.CancelScope() as scope:
            # A sync generator's step is not cancelled: its thread would go on stepping it
            # while we close it. It comes back, and the policy has it closed then.
            sync_step = stream is not None and stream.started and not stream.is_async
            job.handle = None if sync_step else scope
            try:
                value = await run_job(gateway, job)
            except Exception as e:  # whatever user code raises, graftcode errors included
                policy.raised(job, e)
            else:
                policy.returned(job, value)
        if scope.cancelled_caught:
            policy.dropped(job)  # an abandoned async step: close what is left of it
        await self._after()

    def _credit(self, job: Job, n: int) -> None:
        """A member took `n` items of its stream parameter (a worker thread or the asyncio
        loop): grant them from the trio thread."""

        def grant() -> None:
            self.policy.grant(job, n)
            if self._nursery is not None and self.policy.closing is None:
                self._nursery.start_soon(self._after)

        if self._token is not None:
            try:
                self._token.run_sync_soon(grant)
            except trio.RunFinishedError:
                pass

    def _stop_abandoned(self) -> None:
        for job in self.policy.take_abandoned():
            if job.handle is not None:
                job.handle.cancel()

    async def _close_producers(self, *, wait: bool = False) -> None:
        """Close the producers of ended streams where their steps run (their `finally`): in
        tasks of their own, so a slow `finally` holds up nothing else, or here when `wait`
        (the connection is ending and its nursery is gone)."""
        for job in self.policy.take_closing():
            if wait or self._nursery is None:
                await self._close_producer(job)
            else:
                self._nursery.start_soon(self._close_producer, job)

    async def _close_producer(self, job: Job) -> None:
        stream = job.stream
        assert stream is not None
        with trio.CancelScope(shield=True), trio.move_on_after(_FINAL_FLUSH):
            try:
                if stream.is_async:
                    coro = stream.close()
                    if coro is not None:
                        await self.gateway.bridge.run(coro, job.ctx)
                else:  # a worker thread: a finally may block; past the wait it goes on there
                    await self.gateway.workers.run(stream.close)
            except Exception:  # a finally that raises: the call is over anyway
                pass

    async def _after(self) -> None:
        """Carry out what the policy decided: stop abandoned calls, move the timer earlier,
        write the output, stop reading when it is closing."""
        policy = self.policy
        self._stop_abandoned()
        if self._nursery is not None:
            for job in policy.take_ready():
                self._nursery.start_soon(self._run, job)
        await self._close_producers()
        deadline = policy.next_deadline
        if deadline is not None and deadline < self._timer_at:
            self._timer_changed.set()
        if policy.closing is not None:
            self._stop_reading()
        await self._flush()

    async def _timer(self) -> None:
        policy = self.policy
        while True:
            deadline = policy.next_deadline
            self._timer_at = math.inf if deadline is None else deadline
            self._timer_changed = trio.Event()
            with trio.move_on_after(max(0.0, self._timer_at - time.monotonic())):
                await self._timer_changed.wait()
                continue
            policy.expire(time.monotonic())
            await self._after()

    # ---------------------------------------------------------------- writing

    async def _flush(self) -> None:
        """Write what the policy queued. The first task to get here becomes the writer and also
        writes what others queue meanwhile (joined into one write on stream transports)."""
        if self._writing:
            return
        policy, wire = self.policy, self.wire
        self._writing = True
        self._written = trio.Event()
        try:
            while out := policy.take_output():
                if wire.message_mode:
                    for message in out:
                        await wire.send(message)
                        policy.sent(len(message))
                else:
                    data = out[0] if len(out) == 1 else b"".join(out)
                    await wire.send(data)
                    policy.sent(len(data))
                if policy.wants_read:
                    self._resume.set()
        except _GONE:
            policy.connection_lost("connection lost while answering")
            self._stop_reading()
        finally:
            self._writing = False
            self._written.set()

    async def _drain_output(self) -> None:
        """Wait until everything queued so far is written (or the writer failed)."""
        while True:
            await self._flush()
            if not self._writing:
                return
            await self._written.wait()


async def run_job(gateway: Gateway, job: Job) -> Any:
    """Run a job where its kind of code runs: sync members in the worker pool, coroutines on
    the asyncio bridge (also what the MCP endpoint does for a tool call)."""
    if job.is_async:
        return await gateway.bridge.run(job.start(), job.ctx)
    value = await gateway.workers.run(job.start)
    if inspect.iscoroutine(value):
        value = await gateway.bridge.run(value, job.ctx)
    return value
