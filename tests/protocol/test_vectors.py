"""Every vector in tests/vectors decodes to its stated meaning and re-encodes to the same bytes;
every bad vector gets its documented protocol error from a receiver in the stated situation."""

from __future__ import annotations

import struct
from typing import Any

import msgpack
import pytest
from graftcode_runtime.protocol._codec import Decoder, Encoder
from graftcode_runtime.protocol._connection import SERVER, Connection, Framing
from graftcode_runtime.protocol._errors import RemoteProtocolError, StatusCode
from graftcode_runtime.protocol._events import NEED_DATA, ConnectionClosed, InstanceRef
from graftcode_runtime.protocol._limits import Limits

from .conftest import connection_in, handshake, streaming_call
from .vectorlib import from_json, load_vectors, meaning, message, to_json

VECTORS = load_vectors()
GOOD = [v for v in VECTORS if "message" in v]
BAD = [v for v in VECTORS if "error" in v]


def _ids(vs: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vs]


def test_there_are_vectors_for_every_message_kind() -> None:
    kinds = {v["message"]["kind"] for v in GOOD}
    assert kinds == {
        "HELLO",
        "CALL",
        "RESULT",
        "ERROR",
        "CANCEL",
        "RELEASE",
        "PING",
        "PONG",
        "GOAWAY",
        "ITEM",
        "END",
        "WINDOW",
    }
    ops = {v["message"]["op"] for v in GOOD if v["message"]["kind"] == "CALL"}
    assert ops == {"CALL", "NEW", "GET", "SET"}
    assert len(BAD) >= 15


def _payload(v: dict[str, Any]) -> bytes:
    data = bytes.fromhex(v["hex"])
    if not v["framed"]:
        return data
    (n,) = struct.unpack(">I", data[:4])
    assert n == len(data) - 4, "the length prefix counts the payload"
    return data[4:]


def _ext(code: int, data: bytes) -> Any:
    assert code == 1
    return InstanceRef(int.from_bytes(data[:8], "big"), data[8:].decode())


@pytest.mark.parametrize("v", GOOD, ids=_ids(GOOD))
def test_vector_decodes_to_its_meaning(v: dict[str, Any]) -> None:
    event = Decoder(Limits()).decode(_payload(v))
    assert meaning(event) == v["message"]
    if "msgpack" in v:
        raw = msgpack.unpackb(_payload(v), strict_map_key=False, ext_hook=_ext)
        assert to_json(raw) == v["msgpack"]
        assert from_json(v["msgpack"]) == raw


CANONICAL = [v for v in GOOD if v.get("canonical", True)]


@pytest.mark.parametrize("v", CANONICAL, ids=_ids(CANONICAL))
def test_vector_reencodes_to_the_same_bytes(v: dict[str, Any]) -> None:
    payload = Encoder().encode(message(v["message"]))
    assert payload.hex() == _payload(v).hex()


@pytest.mark.parametrize("v", GOOD, ids=_ids(GOOD))
def test_vector_through_a_connection(v: dict[str, Any]) -> None:
    """The same bytes through the state machine, in a state where the message is legal."""
    kind = v["message"]["kind"]
    framing = Framing.STREAM if v["framed"] else Framing.MESSAGE
    conn: Connection
    if kind == "HELLO":
        conn = Connection(SERVER, framing=framing)
    elif v["name"].startswith("stream_"):
        # Stream messages of call 1, in the situation of the server_stream/client_stream
        # vectors (its credit allows one more of each).
        c, s = streaming_call()
        to_server = kind in ("CALL", "END") or (kind in ("ITEM", "WINDOW") and v.get("to") == "gateway")
        conn = s if to_server else c
        if kind == "CALL":
            conn = handshake(framing=framing, streams=True)[1]
    else:
        c, s = handshake(framing=framing)
        server_bound = kind in ("CALL", "CANCEL", "RELEASE", "PING", "PONG", "GOAWAY")
        conn = s if server_bound else c
        if kind in ("RESULT", "ERROR"):
            c.calls_in_flight.add(v["message"]["id"])  # as if it had sent that call
        if kind == "CANCEL":
            s.calls_in_flight.add(v["message"]["id"])
    conn.receive_data(bytes.fromhex(v["hex"]))
    event = conn.next_event()
    assert meaning(event) == v["message"]  # type: ignore[arg-type]
    assert conn.next_event() is NEED_DATA


@pytest.mark.parametrize("v", BAD, ids=_ids(BAD))
def test_bad_vector_gets_its_documented_error(v: dict[str, Any]) -> None:
    when = v["error"]["when"]
    conn = connection_in(when)
    conn.receive_data(bytes.fromhex(v["hex"]))
    if when == "eof":
        assert conn.next_event() is NEED_DATA
        conn.receive_data(b"")
        assert conn.next_event() == ConnectionClosed(truncated=True)
        return
    with pytest.raises(RemoteProtocolError) as info:
        for _ in range(3):  # the bytes may hold legal messages before the offending one
            conn.next_event()
    assert info.value.code is StatusCode[v["error"]["code"]]
    # The error sticks, and the connection can still say why with a GOAWAY.
    with pytest.raises(RemoteProtocolError):
        conn.next_event()
    goaway = conn.goaway_for(info.value)
    assert goaway.code is info.value.code
    assert conn.send(goaway)
