"""The bad-input matrix (docs/protocol.md 2.1, 4, 8, 9): each gets its documented answer, and
the gateway keeps serving other connections."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from typing import Any

import msgpack
import pytest
from graftcode_runtime import RemoteError, StatusCode, connect
from graftcode_runtime.gateway import GatewayConfig
from harness import GatewayThread

HELLO = [0, "hypertube", 1, 0, {"module": "calculator"}]
CALL_ADD = [1, 1, 0, "calculator", "add", None, [1, 2], {}, None, None]
MAX = 64 * 1024


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayThread]:
    with GatewayThread(["calculator"], GatewayConfig(max_message_size=MAX, grace_period=1)) as g:
        yield g


def frame(value: Any) -> bytes:
    payload = msgpack.packb(value)
    return struct.pack(">I", len(payload)) + payload


def raw(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


class Peer:
    """A hand-driven client socket speaking raw frames."""

    def __init__(self, gw: GatewayThread) -> None:
        self.sock = socket.create_connection(gw.tcp_address, timeout=10)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self) -> Any:
        """The next message, or None when the gateway closed the connection."""
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

    def closed(self) -> bool:
        return self.read() is None

    def handshake(self) -> None:
        self.send(frame(HELLO))
        assert self.read()[0] == 0

    def close(self) -> None:
        self.sock.close()


def goaway(msg: Any) -> tuple[int, StatusCode, str]:
    assert msg is not None and msg[0] == 8, msg
    return msg[1], StatusCode(msg[2]), msg[3]


def still_serving(gw: GatewayThread) -> None:
    with connect(gw.url("tcp")) as c:
        assert c.call("add", 20, 22) == 42


@pytest.mark.parametrize(
    ("name", "data", "code", "fragment"),
    [
        ("garbage", raw(b"\xc1\xc1\xc1\xc1"), StatusCode.INVALID_ARGUMENT, "msgpack"),
        ("not an array", frame({"hello": 1}), StatusCode.INVALID_ARGUMENT, "array"),
        ("unknown kind", frame([42, 1]), StatusCode.UNIMPLEMENTED, "kind 42"),
        ("call before hello", frame(CALL_ADD), StatusCode.FAILED_PRECONDITION, "expected HELLO"),
        (
            "wrong version",
            frame([0, "hypertube", 2, 0, {}]),
            StatusCode.UNIMPLEMENTED,
            "protocol version 2.0 is not supported",
        ),
        ("wrong magic", frame([0, "hypotube", 1, 0, {}]), StatusCode.INVALID_ARGUMENT, "magic"),
        ("zero length", struct.pack(">I", 0), StatusCode.INVALID_ARGUMENT, ""),
        (
            "trailing bytes",
            raw(msgpack.packb(HELLO) + b"\x00"),
            StatusCode.INVALID_ARGUMENT,
            "left over",
        ),
    ],
)
def test_bad_first_message(
    gw: GatewayThread, name: str, data: bytes, code: StatusCode, fragment: str
) -> None:
    peer = Peer(gw)
    peer.send(data)
    last_id, got, message = goaway(peer.read())
    assert (last_id, got) == (0, code), message
    assert fragment in message
    assert peer.closed()
    peer.close()
    still_serving(gw)


def test_oversized_length_prefix_is_refused_before_the_payload(gw: GatewayThread) -> None:
    peer = Peer(gw)
    peer.handshake()
    peer.send(struct.pack(">I", MAX + 1))  # the prefix alone, no payload follows
    _, code, message = goaway(peer.read())
    assert code is StatusCode.RESOURCE_EXHAUSTED
    assert str(MAX) in message
    assert peer.closed()
    still_serving(gw)


def test_too_deep_nesting(gw: GatewayThread) -> None:
    nested: Any = 1
    for _ in range(200):
        nested = [nested]
    peer = Peer(gw)
    peer.handshake()
    peer.send(frame([1, 1, 0, "calculator", "total", None, [nested], {}, None, None]))
    _, code, message = goaway(peer.read())
    assert code is StatusCode.RESOURCE_EXHAUSTED and "deep" in message
    assert peer.closed()
    still_serving(gw)


def test_truncated_frame_then_close(gw: GatewayThread) -> None:
    peer = Peer(gw)
    peer.handshake()
    whole = frame(CALL_ADD)
    peer.send(whole[: len(whole) // 2])
    peer.sock.shutdown(socket.SHUT_WR)  # the stream ends inside the frame
    assert peer.closed()  # no answer: the connection is simply lost
    peer.close()
    still_serving(gw)


def test_unknown_kind_after_handshake_reports_last_id(gw: GatewayThread) -> None:
    peer = Peer(gw)
    peer.handshake()
    peer.send(frame(CALL_ADD))
    assert peer.read() == [2, 1, 3]
    peer.send(frame([99]))
    last_id, code, _ = goaway(peer.read())
    assert (last_id, code) == (1, StatusCode.UNIMPLEMENTED)
    peer.close()


def test_call_id_must_increase(gw: GatewayThread) -> None:
    peer = Peer(gw)
    peer.handshake()
    peer.send(frame(CALL_ADD))
    assert peer.read() == [2, 1, 3]
    peer.send(frame(CALL_ADD))  # id 1 again
    _, code, message = goaway(peer.read())
    assert code is StatusCode.INVALID_ARGUMENT and "not greater" in message
    peer.close()


def test_unknown_module_is_refused_with_the_hosted_list(gw: GatewayThread) -> None:
    with pytest.raises(RemoteError) as info:
        connect(gw.url("tcp"), module="nope")
    assert info.value.code is StatusCode.NOT_FOUND
    assert "calculator" in info.value.message


def test_silent_client_is_dropped_after_the_handshake_timeout() -> None:
    with GatewayThread(["calculator"], GatewayConfig(handshake_timeout=0.3)) as g:
        peer = Peer(g)
        _, code, _ = goaway(peer.read())
        assert code is StatusCode.DEADLINE_EXCEEDED
        peer.close()
        still_serving(g)


def test_bad_websocket_input() -> None:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Request, TextMessage

    with GatewayThread(["calculator"]) as g:
        host, port = g.urls["ws"].removeprefix("ws://").rstrip("/").rsplit(":", 1)
        for bad, expect in (
            (TextMessage(data="hello"), "close"),
            (BytesMessage(data=b"\xc1"), "goaway"),
        ):
            ws = WSConnection(ConnectionType.CLIENT)
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall(ws.send(Request(host=host, target="/")))
            events: list[Any] = []
            while not any(isinstance(e, AcceptConnection) for e in events):
                ws.receive_data(s.recv(65536))
                events.extend(ws.events())
            s.sendall(ws.send(bad))
            seen: list[Any] = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                ws.receive_data(data)
                seen.extend(ws.events())
                if any(isinstance(e, CloseConnection) for e in seen):
                    break
            s.close()
            if expect == "goaway":
                msgs = [msgpack.unpackb(e.data) for e in seen if isinstance(e, BytesMessage)]
                assert msgs and msgs[0][0] == 8 and msgs[0][2] == StatusCode.INVALID_ARGUMENT
            else:
                assert any(isinstance(e, CloseConnection) and e.code == 1003 for e in seen)
        still_serving(g)


@pytest.mark.parametrize("transport", ["tcp", "ws"])
def test_auth_token_required_when_configured(transport: str) -> None:
    with GatewayThread(["calculator"], GatewayConfig(auth_tokens=("s3cret",))) as g:
        with connect(g.url(transport), auth="s3cret") as c:
            assert c.call("add", 1, 1) == 2
        for wrong, fragment in ((None, "requires an auth token"), ("nope", "wrong auth token")):
            with pytest.raises(RemoteError) as info:
                connect(g.url(transport), auth=wrong)
            assert info.value.code is StatusCode.UNAUTHENTICATED
            assert fragment in info.value.message


def test_hello_and_call_in_one_segment_are_answered_in_order(gw: GatewayThread) -> None:
    # A client that pipelines its first CALL behind its HELLO (one sendall) gets the gateway's
    # HELLO and then the result, on every TCP engine: never a silently dropped connection.
    peer = Peer(gw)
    try:
        peer.send(
            frame(HELLO) + frame([1, 1, 0, "calculator", "add", None, [1, 2], {}, None, None])
        )
        assert peer.read()[0] == 0
        result = peer.read()
        assert result is not None and result[:3] == [2, 1, 3], result
    finally:
        peer.close()
    still_serving(gw)
