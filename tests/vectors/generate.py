"""Writes tests/vectors/*.json from the definitions below: `python tests/vectors/generate.py`.

The bytes come from the Python reference encoder; tests/protocol/test_vectors.py then checks
that each vector decodes to its stated meaning and re-encodes to the same bytes, so a change of
encoding shows up as a diff of these files. Other runtimes read the JSON files only.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import msgpack  # noqa: E402
from graftcode_runtime.protocol._codec import Encoder  # noqa: E402
from graftcode_runtime.protocol._errors import StatusCode  # noqa: E402
from graftcode_runtime.protocol._events import (  # noqa: E402
    Call,
    Cancel,
    End,
    Error,
    GoAway,
    Hello,
    InstanceRef,
    Item,
    Message,
    Op,
    Ping,
    Pong,
    Release,
    Result,
    Window,
)
from graftcode_runtime.protocol._limits import Limits  # noqa: E402
from protocol.vectorlib import meaning, to_json  # noqa: E402

CART = InstanceRef(7, "Cart")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
ORDER = {
    "id": 12,
    "customer": "ann",
    "items": [{"sku": "B-1", "quantity": 2, "unit_price": "9.99"}],
    "total": "19.98",
    "status": 2,
    "note": None,
    "placed_at": "2026-11-23T23:59:00+00:00",
}

# name -> (description, message)
GOOD: list[tuple[str, str, Message]] = [
    (
        "hello_client",
        "A typed client's HELLO: module, the schema hash it was built from, its limits, a token",
        Hello(
            module="calculator",
            version="1.0.0",
            schema="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            limits=Limits(max_message_size=1 << 20),
            auth="s3cret",
            agent="graftcode-python/0.1.0",
        ),
    ),
    (
        "hello_client_dynamic",
        "A dynamic client's HELLO: the gateway's default module, no schema hash",
        Hello(agent="graftcode-ts/0.1.0"),
    ),
    (
        "hello_server",
        "The gateway's HELLO: the bound module, its version and schema hash, what it hosts",
        Hello(
            module="calculator",
            version="1.0.0",
            schema="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            modules=("calculator", "shop"),
            agent="graftcode-gateway/0.1.0",
        ),
    ),
    (
        "hello_server_debug",
        "A gateway started with --debug says so (it sends remote tracebacks)",
        Hello(module="shop", version="1.2.0", schema="", modules=("shop",), debug=True),
    ),
    (
        "call_add",
        "calculator.add(1, 2): a function of the service `calculator`",
        Call(1, Op.CALL, "calculator", "add", None, [1, 2], {}, None, None),
    ),
    (
        "call_kwargs_float",
        "calculator.total([1.5, 2], start=0.5): a keyword argument; floats are float 64",
        Call(2, Op.CALL, "calculator", "total", None, [[1.5, 2.0]], {"start": 0.5}, None, None),
    ),
    (
        "call_static_method",
        "Accumulator.describe(): a static method (class target, no instance)",
        Call(3, Op.CALL, "Accumulator", "describe", None, [], {}, None, None),
    ),
    (
        "call_new",
        'Cart("ann", currency="USD"): a constructor',
        Call(4, Op.NEW, "Cart", "", None, ["ann"], {"currency": "USD"}, None, None),
    ),
    (
        "call_instance_method",
        'cart.add("B-1", 2) on instance 7: an instance method with its reference',
        Call(5, Op.CALL, "Cart", "add", CART, ["B-1", 2], {}, None, None),
    ),
    (
        "call_get",
        "cart.total: a property read",
        Call(6, Op.GET, "Cart", "total", CART, [], {}, None, None),
    ),
    (
        "call_set",
        'cart.note = "gift": a property write (the value is the only argument)',
        Call(7, Op.SET, "Cart", "note", CART, ["gift"], {}, None, None),
    ),
    (
        "call_deadline_metadata",
        "A call with a 250 ms deadline and headers, including W3C traceparent",
        Call(
            8,
            Op.CALL,
            "shop",
            "get_product",
            None,
            ["B-1"],
            {},
            250,
            {"traceparent": TRACEPARENT, "x-request-id": "r-1", "x-blob": b"\x00\x01"},
        ),
    ),
    (
        "call_typed_values",
        "Arguments of every kind: enum by value, bytes, map<int, str>, decimal, uuid, date, "
        "an optional none",
        Call(
            9,
            Op.CALL,
            "shop",
            "search",
            None,
            [
                "books",
                b"\xde\xad\xbe\xef",
                {1: "one", 2: "two"},
                "12.50",
                "12345678-1234-5678-1234-567812345678",
                "2026-11-23",
                None,
            ],
            {},
            None,
            None,
        ),
    ),
    (
        "call_union_values",
        'pick(value: int | str | list<int>, unit: "kg" | "lb", pair: tuple<int, str>, '
        "maybe: int | str | none, opt: int?): a union value is [member text, value], a literal "
        "is the bare value, a tuple an array of its length; optionals stay nil or the value",
        Call(
            10,
            Op.CALL,
            "shop",
            "pick",
            None,
            [["list<int>", [1, 2]], "kg", [1, "a"], None, 7],
            {"value2": ["str", "x"]},
            None,
            None,
        ),
    ),
    (
        "call_duration_values",
        "wait(span: duration, by: duration | float, most: duration?, far: duration): a duration "
        "is an int of microseconds (90 s, -1 us tagged, none, 2**60 us needing 64 bits)",
        Call(
            11,
            Op.CALL,
            "timers",
            "wait",
            None,
            [90_000_000, ["duration", -1], None, 1 << 60],
            {},
            None,
            None,
        ),
    ),
    (
        "call_large_id",
        "Call ids are unsigned 64-bit ints below 2**63; this one needs a uint64",
        Call((1 << 63) - 1, Op.CALL, "calculator", "add", None, [-1, -(1 << 40)], {}, None, None),
    ),
    ("result_int", "add(1, 2) returned 3", Result(1, 3)),
    ("result_none", "A function returning nothing returns nil", Result(7, None)),
    ("result_float", "A float result is float 64", Result(2, 4.0)),
    ("result_bytes", "A bytes result is bin", Result(10, b"\x00\xff" * 4)),
    ("result_instance", "A constructor returned instance 7 of Cart", Result(4, CART)),
    (
        "result_record",
        "A record by field name: decimals and datetimes are strings, the enum is its value",
        Result(11, ORDER),
    ),
    (
        "error_application",
        "A declared application error: its type name and fields let a typed client raise it",
        Error(
            5,
            StatusCode.UNKNOWN,
            "B-1: requested 9, only 5 left",
            "OutOfStock",
            {"sku": "B-1", "requested": 9, "available": 5},
            None,
        ),
    ),
    (
        "error_invalid_argument",
        "A runtime error: the argument did not match its declared type",
        Error(9, StatusCode.INVALID_ARGUMENT, "items[2].quantity: expected int, got str"),
    ),
    (
        "error_not_found",
        "An unknown member",
        Error(3, StatusCode.NOT_FOUND, "calculator has no function 'pow'"),
    ),
    (
        "error_internal_debug",
        "An undeclared exception from a gateway in debug mode: the traceback comes along",
        Error(
            12,
            StatusCode.INTERNAL,
            "ZeroDivisionError: division by zero",
            None,
            None,
            'Traceback (most recent call last):\n  File "calculator.py", line 36, in divide\n'
            "ZeroDivisionError: division by zero\n",
        ),
    ),
    (
        "error_cancelled",
        "The answer to a cancelled call",
        Error(13, StatusCode.CANCELLED, "cancelled"),
    ),
    (
        "error_deadline",
        "The call's deadline passed on the gateway",
        Error(8, StatusCode.DEADLINE_EXCEEDED, "deadline of 250 ms exceeded"),
    ),
    ("cancel", "Cancel call 13", Cancel(13)),
    ("release", "Release instances 7, 8 and 300", Release((7, 8, 300))),
    ("ping", "A keepalive ping", Ping(0xDEADBEEF)),
    ("ping_u64", "PING opaque values use the whole unsigned 64-bit range", Ping(2**64 - 1)),
    ("pong", "Its pong", Pong(0xDEADBEEF)),
    (
        "goaway_graceful",
        "The gateway shuts down: calls up to 41 will be answered, later ones were not run",
        GoAway(41, StatusCode.OK, "the gateway is shutting down"),
    ),
    (
        "goaway_version",
        "The gateway refuses a client speaking protocol 2.0",
        GoAway(
            0,
            StatusCode.UNIMPLEMENTED,
            "protocol version 2.0 is not supported; this gateway speaks 1.0",
        ),
    ),
    (
        "goaway_unauthenticated",
        "The gateway refuses a wrong token",
        GoAway(0, StatusCode.UNAUTHENTICATED, "invalid auth token"),
    ),
]

# Streams (docs/protocol.md 5.5). Every one concerns call 1 so that the tests can replay it in
# the situation of the server_stream/client_stream vectors; `to` says who receives it.
STREAMS: list[tuple[str, str, str, Message]] = [
    (
        "stream_hello_client",
        "A client HELLO announcing the stream feature",
        "gateway",
        Hello(module="logs", features=("stream",), agent="graftcode-python/0.1.0"),
    ),
    (
        "stream_hello_server",
        "The gateway HELLO with the stream feature in effect: client-stream credit and the "
        "open-streams limit",
        "client",
        Hello(
            module="logs",
            version="1.0.0",
            features=("stream",),
            stream_window=16,
            max_streams=100,
            agent="graftcode-gateway/0.1.0",
        ),
    ),
    (
        "stream_call_server",
        "logs.tail('app'): a call whose result is a stream; the 11th element grants 64 items",
        "gateway",
        Call(1, Op.CALL, "logs", "tail", None, ["app"], {}, 30000, None, 64),
    ),
    (
        "stream_call_client",
        "files.upload('a.txt', <stream>): the stream parameter is a nil placeholder, no window",
        "gateway",
        Call(1, Op.CALL, "files", "upload", None, ["a.txt", None], {}, None, None),
    ),
    (
        "stream_item",
        "One item of call 1's result stream, a record",
        "client",
        Item(1, {"seq": 5, "text": "hi"}),
    ),
    (
        "stream_item_client",
        "One item of call 1's stream parameter, bytes",
        "gateway",
        Item(1, b"\x00\x01\x02"),
    ),
    ("stream_end", "The client stream of call 1 has no more items", "gateway", End(1)),
    (
        "stream_window",
        "The client can take 32 more items of call 1's result stream",
        "gateway",
        Window(1, 32),
    ),
    (
        "stream_window_gateway",
        "The gateway can take 8 more items of call 1's stream parameter",
        "client",
        Window(1, 8),
    ),
]

# Messages that a receiver must accept although they are not what this version sends.
NON_CANONICAL: list[tuple[str, str, Any, Message]] = [
    (
        "call_extra_elements",
        "A CALL from a later minor version with extra trailing elements (after the nil "
        "stream window): ignored",
        [1, 1, 0, "calculator", "add", None, [1, 2], {}, None, None, None, "future"],
        Call(1, Op.CALL, "calculator", "add", None, [1, 2], {}, None, None),
    ),
    (
        "hello_unknown_keys",
        "A HELLO with an unknown info key and a later minor version: both tolerated",
        [0, "hypertube", 1, 7, {"module": "shop", "compression": ["zstd"]}],
        Hello(module="shop", minor=7),
    ),
    (
        "result_float32",
        "A float 32 is accepted where float 64 is sent",
        b"\x93\x02\x01\xca\x3f\xc0\x00\x00",
        Result(1, 1.5),
    ),
]


def _frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def _nest(depth: int) -> Any:
    v: Any = []
    for _ in range(depth - 1):
        v = [v]
    return v


_call_add = Encoder().encode(Call(1, Op.CALL, "calculator", "add", None, [1, 2], {}, None, None))

# name -> (description, framed bytes, error code, when)
# `when` is the receiver's situation: a server waiting for the first message, a server or a
# client with an open connection.
BAD: list[tuple[str, str, bytes, str, str]] = [
    (
        "bad_garbage_http",
        "An HTTP request sent to the TCP port: 'GET ' read as a length is far over the limit",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "RESOURCE_EXHAUSTED",
        "server_handshake",
    ),
    (
        "bad_oversized_prefix",
        "A length prefix over max_message_size (4 MiB): refused before buffering the payload",
        b"\xff\xff\xff\xff" + b"\x00" * 8,
        "RESOURCE_EXHAUSTED",
        "server_handshake",
    ),
    (
        "bad_zero_length",
        "A zero length prefix",
        b"\x00\x00\x00\x00",
        "INVALID_ARGUMENT",
        "server_open",
    ),
    (
        "bad_invalid_msgpack",
        "A payload that is not msgpack (0xc1 is never used)",
        _frame(b"\xc1"),
        "INVALID_ARGUMENT",
        "server_open",
    ),
    (
        "bad_trailing_bytes",
        "Two msgpack values in one frame",
        _frame(b"\x92\x06\x01\xc0"),
        "INVALID_ARGUMENT",
        "server_open",
    ),
    (
        "bad_not_array",
        "A message that is a map, not an array",
        _frame(msgpack.packb({"kind": 1})),
        "INVALID_ARGUMENT",
        "server_open",
    ),
    (
        "bad_unknown_kind",
        "Message kind 99",
        _frame(msgpack.packb([99, 1])),
        "UNIMPLEMENTED",
        "server_open",
    ),
    (
        "bad_magic",
        "A HELLO with the wrong magic",
        _frame(msgpack.packb([0, "hypertub3", 1, 0, {}])),
        "INVALID_ARGUMENT",
        "server_handshake",
    ),
    (
        "bad_major_version",
        "A HELLO of protocol 2.0 (its info may look different: only kind, magic and version "
        "are frozen)",
        _frame(msgpack.packb([0, "hypertube", 2, 0, ["something", "new"]])),
        "UNIMPLEMENTED",
        "server_handshake",
    ),
    (
        "bad_call_before_hello",
        "A CALL as the first message",
        _frame(_call_add),
        "FAILED_PRECONDITION",
        "server_handshake",
    ),
    (
        "bad_goaway_before_hello",
        "A GOAWAY as a client's first message (only a gateway may answer a HELLO with GOAWAY)",
        _frame(msgpack.packb([8, 0, 0, "bye"])),
        "FAILED_PRECONDITION",
        "server_handshake",
    ),
    (
        "bad_call_id_zero",
        "Call ids start at 1",
        _frame(msgpack.packb([1, 0, 0, "calculator", "add", None, [1, 2], {}, None, None])),
        "INVALID_ARGUMENT",
        "server_open",
    ),
    (
        "bad_short_call",
        "A CALL with missing elements",
        _frame(msgpack.packb([1, 1, 0, "calculator", "add"])),
        "INVALID_ARGUMENT",
        "server_open",
    ),
    (
        "bad_result_to_server",
        "A RESULT sent to a gateway (wrong direction)",
        _frame(msgpack.packb([2, 1, 3])),
        "INVALID_ARGUMENT",
        "server_open",
    ),
    (
        "bad_unknown_ext",
        "An extension type other than 1 (here 5)",
        _frame(b"\x93\x02\x01\xd6\x05\x00\x00\x00\x00"),
        "INVALID_ARGUMENT",
        "client_open",
    ),
    (
        "bad_too_deep",
        "Arguments nested 100 levels deep (limit 64)",
        _frame(msgpack.packb([1, 1, 0, "calculator", "total", None, [_nest(100)], {}, None, None])),
        "RESOURCE_EXHAUSTED",
        "server_open",
    ),
    (
        "bad_too_long",
        "An array header claiming 2**20 + 1 elements (limit 2**20): refused before allocating",
        _frame(b"\x9a\x01\x01\x00\xa1c\xa1f\xc0\xdd\x00\x10\x00\x01\x00"),
        "RESOURCE_EXHAUSTED",
        "server_open",
    ),
    (
        "bad_answer_unknown_id",
        "A RESULT for a call the client never made",
        _frame(msgpack.packb([2, 99, 3])),
        "INVALID_ARGUMENT",
        "client_open",
    ),
    (
        "bad_stream_unannounced",
        "An ITEM on a connection without the stream feature: an unknown kind",
        _frame(msgpack.packb([9, 1, 1])),
        "UNIMPLEMENTED",
        "server_open",
    ),
    (
        "bad_stream_item_beyond_credit",
        "Two ITEMs of call 1's result stream, whose window is 1",
        _frame(msgpack.packb([9, 1, 1])) + _frame(msgpack.packb([9, 1, 2])),
        "RESOURCE_EXHAUSTED",
        "client_stream",
    ),
    (
        "bad_stream_client_item_beyond_credit",
        "Three ITEMs of call 1's stream parameter; the gateway's stream_window is 2",
        b"".join(_frame(msgpack.packb([9, 1, i])) for i in range(3)),
        "RESOURCE_EXHAUSTED",
        "server_stream",
    ),
    (
        "bad_stream_item_unknown_id",
        "An ITEM for call 5, which the client never made",
        _frame(msgpack.packb([9, 5, 1])),
        "INVALID_ARGUMENT",
        "server_stream",
    ),
    (
        "bad_stream_item_not_in_flight",
        "An ITEM from the gateway for call 2, which is not in flight",
        _frame(msgpack.packb([9, 2, 1])),
        "INVALID_ARGUMENT",
        "client_stream",
    ),
    (
        "bad_stream_end_twice",
        "END twice for call 1",
        _frame(msgpack.packb([10, 1])) + _frame(msgpack.packb([10, 1])),
        "INVALID_ARGUMENT",
        "server_stream",
    ),
    (
        "bad_stream_item_after_end",
        "An ITEM after call 1's END",
        _frame(msgpack.packb([10, 1])) + _frame(msgpack.packb([9, 1, 1])),
        "INVALID_ARGUMENT",
        "server_stream",
    ),
    (
        "bad_stream_end_to_client",
        "An END sent to a client (wrong direction)",
        _frame(msgpack.packb([10, 1])),
        "INVALID_ARGUMENT",
        "client_stream",
    ),
    (
        "bad_stream_window_zero",
        "A WINDOW granting 0 items",
        _frame(msgpack.packb([11, 1, 0])),
        "INVALID_ARGUMENT",
        "server_stream",
    ),
    (
        "bad_stream_window_negative",
        "A WINDOW granting -1 items",
        _frame(msgpack.packb([11, 1, -1])),
        "INVALID_ARGUMENT",
        "server_stream",
    ),
    (
        "bad_stream_window_u64",
        "A WINDOW granting 2**64-1 items (beyond 2**32-1)",
        _frame(msgpack.packb([11, 1, 2**64 - 1])),
        "INVALID_ARGUMENT",
        "server_stream",
    ),
    (
        "bad_stream_credit_overflow",
        "A WINDOW of 2**32-1 on top of call 1's credit of 1: the credit would pass 2**32-1",
        _frame(msgpack.packb([11, 1, 2**32 - 1])),
        "INVALID_ARGUMENT",
        "server_stream",
    ),
    (
        "bad_stream_call_window_zero",
        "A CALL whose stream window is 0",
        _frame(msgpack.packb([1, 2, 0, "logs", "tail", None, [], {}, None, None, 0])),
        "INVALID_ARGUMENT",
        "server_stream",
    ),
]

TRUNCATED = (
    "truncated_frame",
    "A frame cut short: the length says 26 bytes, 10 arrive, then the connection ends. "
    "Not an error by itself: the connection was lost (ConnectionClosed, truncated).",
    _frame(_call_add)[:14],
)


def _write(name: str, data: dict[str, Any]) -> None:
    (HERE / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    for old in HERE.glob("*.json"):
        old.unlink()
    enc = Encoder()
    for name, description, msg in GOOD:
        payload = enc.encode(msg)
        _write(
            name,
            {
                "name": name,
                "description": description,
                "framed": True,
                "hex": _frame(payload).hex(),
                "msgpack": to_json(msgpack.unpackb(payload, strict_map_key=False, ext_hook=_ext)),
                "message": meaning(msg),
            },
        )
    for name, description, to, msg in STREAMS:
        payload = enc.encode(msg)
        _write(
            name,
            {
                "name": name,
                "description": description,
                "framed": True,
                "to": to,
                "hex": _frame(payload).hex(),
                "msgpack": to_json(msgpack.unpackb(payload, strict_map_key=False, ext_hook=_ext)),
                "message": meaning(msg),
            },
        )
    # One unframed (WebSocket) vector: the same CALL without its length prefix.
    _write(
        "ws_call_add",
        {
            "name": "ws_call_add",
            "description": "calculator.add(1, 2) as one WebSocket binary message: no prefix",
            "framed": False,
            "hex": _call_add.hex(),
            "msgpack": to_json(msgpack.unpackb(_call_add)),
            "message": meaning(GOOD[4][2]),
        },
    )
    for name, description, raw, msg in NON_CANONICAL:
        payload = raw if isinstance(raw, bytes) else msgpack.packb(raw)
        _write(
            name,
            {
                "name": name,
                "description": description,
                "framed": True,
                "canonical": False,
                "hex": _frame(payload).hex(),
                "message": meaning(msg),
            },
        )
    for name, description, data, code, when in BAD:
        _write(
            name,
            {
                "name": name,
                "description": description,
                "framed": True,
                "hex": data.hex(),
                "error": {"code": code, "when": when},
            },
        )
    name, description, data = TRUNCATED
    _write(
        name,
        {
            "name": name,
            "description": description,
            "framed": True,
            "hex": data.hex(),
            "error": {"code": "UNAVAILABLE", "when": "eof"},
        },
    )


def _ext(code: int, data: bytes) -> Any:
    if code == 1:
        return InstanceRef(int.from_bytes(data[:8], "big"), data[8:].decode())
    return msgpack.ExtType(code, data)


if __name__ == "__main__":
    main()
