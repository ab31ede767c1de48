"""The gateway's session policy (gateway/_policy.py), fed bytes and times by hand: no socket, no
thread, no trio, no clock. Every driver only carries out what these tests see it decide."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from graftcode_runtime.gateway import Gateway, GatewayConfig, load_modules
from graftcode_runtime.gateway._policy import MAX_TIMEOUT_MS, Session
from graftcode_runtime.protocol import (
    CLIENT,
    NEED_DATA,
    Call,
    Cancel,
    Connection,
    Error,
    Framing,
    GoAway,
    Hello,
    Limits,
    Op,
    Ping,
    Pong,
    Result,
    StatusCode,
)

HERE = Path(__file__).resolve().parent
POLICY = HERE.parents[1] / "runtime/python/graftcode_runtime/gateway/_policy.py"
T0 = 1000.0


def _gateway(**config: Any) -> Gateway:
    return Gateway(load_modules([str(HERE / "gwfixture.py")]), GatewayConfig(**config))


class Pair:
    """A session and a client Connection joined by hand: bytes move only when a test says so."""

    def __init__(self, gateway: Gateway | None = None, limits: Limits | None = None) -> None:
        self.session = Session(
            gateway or _gateway(), transport="tcp", peer="test", framing=Framing.STREAM, now=T0
        )
        self.client = Connection(CLIENT, limits)

    def to_gateway(self, *events: Any, now: float = T0) -> list[Any]:
        return self.session.receive(b"".join(self.client.send(e) for e in events), now)

    def from_gateway(self) -> list[Any]:
        out = self.session.take_output()
        self.session.sent(sum(len(b) for b in out))
        for data in out:
            self.client.receive_data(data)
        got = []
        while (ev := self.client.next_event()) is not NEED_DATA:
            got.append(ev)
        return got

    def open(self) -> Pair:
        self.to_gateway(Hello(module="gwfixture"))
        (hello,) = self.from_gateway()
        assert isinstance(hello, Hello) and hello.module == "gwfixture"
        return self


def _call(cid: int, member: str, *args: Any, timeout_ms: int | None = None) -> Call:
    return Call(cid, Op.CALL, "gwfixture", member, args=tuple(args), timeout_ms=timeout_ms)


def test_the_policy_imports_no_io_thread_or_clock() -> None:
    tree = ast.parse(POLICY.read_text())
    imported = {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    forbidden = {"socket", "ssl", "select", "selectors", "threading", "trio", "asyncio", "time"}
    assert not imported & forbidden


def test_a_call_becomes_a_job_and_its_return_an_answer() -> None:
    p = Pair().open()
    (job,) = p.to_gateway(_call(1, "echo", "hi"))
    assert p.session.calls_in_flight == 1
    assert p.session.returned(job, job.start())
    assert p.from_gateway() == [Result(1, "hi")]
    assert p.session.calls_in_flight == 0
    assert not p.session.returned(job, "again")  # answered once only


def test_no_hello_within_the_handshake_timeout_is_refused() -> None:
    p = Pair(_gateway(handshake_timeout=2))
    assert p.session.next_deadline == T0 + 2
    p.session.expire(T0 + 1)
    assert p.session.closing is None
    p.session.expire(T0 + 2)
    (goaway,) = p.from_gateway()
    assert isinstance(goaway, GoAway) and goaway.code is StatusCode.DEADLINE_EXCEEDED
    assert p.session.closing == "handshake timeout" and p.session.failed


def test_a_wrong_token_and_an_unknown_module_are_refused() -> None:
    p = Pair(_gateway(auth_tokens=("secret",)))
    p.to_gateway(Hello(module="gwfixture", auth="guess"))
    (goaway,) = p.from_gateway()
    assert goaway.code is StatusCode.UNAUTHENTICATED and p.session.closing
    p = Pair()
    p.to_gateway(Hello(module="nope"))
    (goaway,) = p.from_gateway()
    assert goaway.code is StatusCode.NOT_FOUND and "gwfixture" in goaway.message


def test_goaway_before_hello_is_a_failed_precondition() -> None:
    p = Pair()
    p.session.receive(b"".join(_raw_goaway()), T0)
    (goaway,) = p.from_gateway()
    assert goaway.code is StatusCode.FAILED_PRECONDITION and p.session.failed


def _raw_goaway() -> list[bytes]:
    import struct

    import msgpack

    body = msgpack.packb([8, 0, 0, "bye"])
    return [struct.pack(">I", len(body)), body]


def test_deadlines_are_data_and_a_huge_timeout_is_none() -> None:
    p = Pair().open()
    (slow,) = p.to_gateway(_call(1, "echo", "a", timeout_ms=500))
    (forever,) = p.to_gateway(_call(2, "echo", "b", timeout_ms=2**64 - 1))
    (ok,) = p.to_gateway(_call(3, "echo", "c", timeout_ms=MAX_TIMEOUT_MS))
    assert forever.deadline is None and ok.deadline == T0 + MAX_TIMEOUT_MS / 1000
    assert p.session.next_deadline == T0 + 0.5
    p.session.expire(T0 + 0.5)
    assert p.session.take_abandoned() == [slow]
    (answer,) = p.from_gateway()
    assert isinstance(answer, Error) and answer.code is StatusCode.DEADLINE_EXCEEDED
    assert not p.session.returned(slow, "late")  # its late result is dropped
    assert p.session.next_deadline == ok.deadline


def test_cancel_answers_at_once_and_abandons_the_job() -> None:
    p = Pair().open()
    (job,) = p.to_gateway(_call(7, "echo", "x"))
    p.to_gateway(Cancel(7))
    assert p.session.take_abandoned() == [job] and job.request.cancelled
    (answer,) = p.from_gateway()
    assert answer.code is StatusCode.CANCELLED


def test_admission_counts_answers_not_yet_written() -> None:
    p = Pair(_gateway(max_calls_in_flight=2)).open()
    for cid in (1, 2):
        (job,) = p.to_gateway(_call(cid, "echo", "x"))
        p.session.returned(job, job.start())  # answered, but the peer has not read it
    assert p.session.calls_in_flight == 2
    assert p.to_gateway(_call(3, "echo", "x")) == []
    answers = p.from_gateway()
    assert answers[-1].code is StatusCode.RESOURCE_EXHAUSTED
    assert p.session.calls_in_flight == 0  # written now: room again
    assert len(p.to_gateway(_call(4, "echo", "x"))) == 1


def test_unwritten_output_beyond_the_bound_stops_reading() -> None:
    p = Pair(_gateway(max_pending_output=64 * 1024)).open()
    cid = 0
    while p.session.wants_read:
        cid += 1
        (job,) = p.to_gateway(_call(cid, "echo_bytes", b"x" * 8192))
        p.session.returned(job, job.start())
    assert p.session.pending_output >= 64 * 1024 and cid < 16
    p.from_gateway()  # the driver wrote it all
    assert p.session.wants_read and p.session.pending_output == 0


def test_an_answer_larger_than_the_peer_accepts_becomes_resource_exhausted() -> None:
    p = Pair(limits=Limits(max_message_size=4096))
    p.to_gateway(Hello(module="gwfixture", limits=Limits(max_message_size=4096)))
    p.from_gateway()
    (job,) = p.to_gateway(_call(1, "echo_bytes", b"x" * 100))
    p.session.returned(job, b"y" * 10_000)
    (answer,) = p.from_gateway()
    assert answer.code is StatusCode.RESOURCE_EXHAUSTED and p.session.closing is None


def test_pings_are_answered_and_a_malformed_frame_fails_the_connection() -> None:
    p = Pair().open()
    p.to_gateway(Ping(5))
    assert p.from_gateway() == [Pong(5)]
    p.session.receive(b"\x00\x00\x00\x02\xc1\xc1", T0)  # 0xc1 is never valid msgpack
    (goaway,) = p.from_gateway()
    assert isinstance(goaway, GoAway) and goaway.code is not StatusCode.OK
    assert p.session.failed and not p.session.wants_read
    assert p.session.receive(b"more", T0) == []  # nothing is read after a failure


def test_draining_answers_what_was_accepted_and_refuses_the_rest() -> None:
    gateway = _gateway()
    p = Pair(gateway).open()
    (job,) = p.to_gateway(_call(1, "echo", "kept"))
    p.session.go_away()
    (goaway,) = p.from_gateway()
    assert goaway.code is StatusCode.OK and goaway.last_id == 1
    p.session.returned(job, job.start())
    assert p.from_gateway() == [Result(1, "kept")]
    p.session.shut_down()
    assert p.session.closing == "goaway"


def test_shutting_down_cancels_what_still_runs() -> None:
    p = Pair().open()
    (job,) = p.to_gateway(_call(1, "echo", "x"))
    p.session.shut_down()
    assert p.session.take_abandoned() == [job]
    answers = p.from_gateway()
    assert answers[0].code is StatusCode.CANCELLED and "shutting down" in answers[0].message


@pytest.mark.parametrize("reason", ["closed by peer", "reset"])
def test_the_end_of_the_transport_abandons_every_job(reason: str) -> None:
    p = Pair().open()
    jobs = [p.to_gateway(_call(cid, "echo", "x"))[0] for cid in (1, 2)]
    if reason == "reset":
        p.session.connection_lost(reason)
    else:
        p.session.receive(b"", T0)
    assert p.session.closing == reason
    assert p.session.take_abandoned() == jobs
    p.session.finished(T0 + 1)
