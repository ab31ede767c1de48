"""The threaded TCP engine (gateway/_thread_engine.py, _thread_driver.py): behaviour the generic gateway suite does not
single out: which engine serves TCP, pipelined calls, a slow call beside fast ones on one
connection, the worker bound, and clean shutdown of its threads."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from graftcode_runtime import CallSpec, DeadlineExceeded, RemoteError, StatusCode, connect
from graftcode_runtime.gateway import GatewayConfig
from graftcode_runtime.gateway._thread_driver import ThreadedSession
from graftcode_runtime.gateway._thread_engine import ENV, threaded_tcp_enabled

# the gateway tests' harness and fixture module (no conftest here: tests/gateway's is imported
# by name as `conftest`, and a second one would shadow it when both folders run together)
GATEWAY_TESTS = Path(__file__).resolve().parents[1] / "gateway"
if str(GATEWAY_TESTS) not in sys.path:
    sys.path.insert(0, str(GATEWAY_TESTS))

from harness import GatewayThread  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HELLO = [0, "hypertube", 1, 0, {"module": "gwfixture"}]


def _frame(value: Any) -> bytes:
    payload: bytes = msgpack.packb(value)
    return struct.pack(">I", len(payload)) + payload


class RawPeer:
    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=10)
        self.buf = b""

    def read(self) -> Any:
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack(">I", self.buf[:4])
                if len(self.buf) >= 4 + n:
                    payload, self.buf = self.buf[4 : 4 + n], self.buf[4 + n :]
                    return msgpack.unpackb(payload, strict_map_key=False)
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def close(self) -> None:
        self.sock.close()


def _engine_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "graftcode-tcp" and t.is_alive()]


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayThread]:
    with GatewayThread(["gwfixture"], GatewayConfig(grace_period=1, max_workers=2)) as g:
        yield g


def test_plain_tcp_is_served_by_the_threaded_engine(gw: GatewayThread) -> None:
    assert threaded_tcp_enabled()
    with connect(gw.url("tcp")) as c:
        assert c.call("echo", "hi") == "hi"
        assert gw.gateway is not None
        kinds = {type(s) for s in gw.gateway.sessions}
        assert ThreadedSession in kinds
    with connect(gw.url("ws")) as c:  # WebSocket stays on the trio session
        assert c.call("echo", "hi") == "hi"


def test_env_switches_back_to_trio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "trio")
    assert not threaded_tcp_enabled()
    monkeypatch.setenv(ENV, "threads")
    assert threaded_tcp_enabled()


def test_pipelined_calls_in_one_write_all_get_their_answers(gw: GatewayThread) -> None:
    peer = RawPeer(gw.tcp_address)
    peer.sock.sendall(_frame(HELLO))
    assert peer.read()[0] == 0
    calls = b"".join(
        _frame([1, i, 0, "gwfixture", "echo", None, [f"v{i}"], {}, None, None])
        for i in range(1, 201)
    )
    peer.sock.sendall(calls)  # one write: one read parses many calls (the backlog path)
    answers = {}
    for _ in range(200):
        msg = peer.read()
        assert msg is not None and msg[0] == 2, msg
        answers[msg[1]] = msg[2]
    assert answers == {i: f"v{i}" for i in range(1, 201)}
    peer.close()


def test_a_slow_call_does_not_hold_up_the_same_connection(gw: GatewayThread) -> None:
    peer = RawPeer(gw.tcp_address)
    peer.sock.sendall(_frame(HELLO))
    assert peer.read()[0] == 0
    peer.sock.sendall(_frame([1, 1, 0, "gwfixture", "delayed", None, [7, 1.0], {}, None, None]))
    peer.sock.sendall(_frame([6, 42]))  # PING behind the slow call, same connection
    peer.sock.sendall(_frame([1, 2, 0, "gwfixture", "echo", None, ["fast"], {}, None, None]))
    first, second, third = peer.read(), peer.read(), peer.read()
    # the slow call is answered last: its thread did not stop the others being read and run
    assert third == [2, 1, 7]
    assert sorted([first, second], key=str) == sorted([[7, 42], [2, 2, "fast"]], key=str)
    peer.close()


def test_calls_beyond_max_workers_wait_and_then_run(gw: GatewayThread) -> None:
    # max_workers=2: four slow calls on four connections still all finish, and a ping is
    # answered meanwhile (one thread always stays free to read)
    results: list[int] = []
    clients = [connect(gw.url("tcp")) for _ in range(4)]
    try:
        threads = [
            threading.Thread(target=lambda c=c, i=i: results.append(c.call("delayed", i, 0.3)))
            for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()
        time.sleep(0.05)
        with connect(gw.url("tcp")) as other:
            assert other.ping() >= 0
        for t in threads:
            t.join()
        assert sorted(results) == [0, 1, 2, 3]
    finally:
        for c in clients:
            c.close()


def test_deadline_and_cancel_answer_at_once(gw: GatewayThread) -> None:
    with connect(gw.url("tcp")) as c:
        with pytest.raises(DeadlineExceeded):
            c.call("delayed", 1, 5.0, _timeout=0.2)
        assert c.call("echo", "after") == "after"


def test_errors_and_instances_match_the_trio_session(gw: GatewayThread) -> None:
    with connect(gw.url("tcp")) as c:
        with pytest.raises(RemoteError) as info:
            c.call("nope")
        assert info.value.code is StatusCode.NOT_FOUND
        with pytest.raises(RemoteError) as info:
            c.call("echo", 5)
        assert info.value.code is StatusCode.INVALID_ARGUMENT
        counter = c.new("Counter", 3)
        assert counter.call("increment", 2) == 5
        counter.release()
        with pytest.raises(RemoteError) as info:  # released on the gateway, not just locally
            c.invoke(CallSpec("call", "Counter", "increment", (1,), {}, counter.id))
        assert info.value.code is StatusCode.NOT_FOUND


def test_gateway_stop_ends_the_engine_threads() -> None:
    before = len(_engine_threads())
    with GatewayThread(["gwfixture"]) as g:
        with connect(g.url("tcp")) as c:
            assert c.call("echo", "x") == "x"
        assert len(_engine_threads()) > before
    deadline = time.monotonic() + 5
    while len(_engine_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(_engine_threads()) <= before


@pytest.mark.slow
def test_gateway_suite_passes_on_the_trio_tcp_path() -> None:
    """The trio session still serves TCP when asked to (GRAFTCODE_TCP_ENGINE=trio): the gateway
    tests that drive in-process TCP sessions. Left out: the hostile probes (they run on both
    engines already, as their `tcp-trio` path) and the tests of the command line, which start
    `graftc serve` processes and check options, not the engine."""
    env = dict(os.environ, **{ENV: "trio"})
    cli = ("hostile", "serve_", "otel", "call_command", "production_mode", "policy", "urls")
    suite = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests" / "gateway").glob("test_*.py")
        if not any(word in p.name for word in cli)
    )
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:xdist", *suite],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:]


@pytest.fixture(scope="module")
def roomy() -> Iterator[GatewayThread]:
    """Default worker bound: abandoned slow calls of other tests cannot fill it."""
    with GatewayThread(["gwfixture"], GatewayConfig(grace_period=1)) as g:
        yield g


@pytest.mark.parametrize("transport", ["tcp", "ws"])
def test_threads_sharing_a_client_are_not_held_by_a_slow_call(
    roomy: GatewayThread, transport: str
) -> None:
    # the reading thread waits for the slow answer; the others' answers must still reach them
    with connect(roomy.url(transport)) as c:
        outcome: list[object] = []

        def run_slow() -> None:
            try:
                outcome.append(c.call("delayed", 1, 1.5))
            except Exception as e:
                outcome.append(e)

        slow = threading.Thread(target=run_slow)
        slow.start()
        time.sleep(0.1)
        assert c.ping() >= 0
        for i in range(5):
            assert c.call("echo", str(i)) == str(i)
        assert slow.is_alive(), outcome  # all of the above came back while it still ran
        slow.join()
        assert outcome == [1]
