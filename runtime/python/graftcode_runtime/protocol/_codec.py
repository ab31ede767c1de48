"""msgpack encoding of Hypertube messages (docs/protocol.md 3 and 4), with receive limits.

The envelope of every message is an array led by its kind, so encoding is "build a list, pack
it" with one reused Packer, and decoding is one `unpackb` with msgpack's own length limits plus a
dispatch on the kind. Decoding is strict about the envelope (types of every element) and
tolerant of extra trailing elements, which later minor versions may add.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any

import msgpack

from ._errors import RemoteProtocolError, StatusCode
from ._events import (
    MAX_CREDIT,
    PROTOCOL_MAGIC,
    PROTOCOL_MAJOR,
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
from ._limits import Limits

INSTANCE_EXT = 1
_ID = struct.Struct(">Q")
_MAX_U64 = (1 << 64) - 1
_MAX_ID = (1 << 63) - 1

KIND_HELLO = 0
KIND_CALL = 1
KIND_RESULT = 2
KIND_ERROR = 3
KIND_CANCEL = 4
KIND_RELEASE = 5
KIND_PING = 6
KIND_PONG = 7
KIND_GOAWAY = 8
KIND_ITEM = 9
KIND_END = 10
KIND_WINDOW = 11
KIND_NAMES = (
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
)
_OPS = tuple(Op)


def _bad(message: str, code: StatusCode = StatusCode.INVALID_ARGUMENT) -> RemoteProtocolError:
    return RemoteProtocolError(message, code=code)


# ------------------------------------------------------------------------------------------
# Instance references (ext type 1)
# ------------------------------------------------------------------------------------------


def encode_instance(ref: InstanceRef) -> msgpack.ExtType:
    return msgpack.ExtType(INSTANCE_EXT, _ID.pack(ref.id) + ref.class_name.encode())


def _default(obj: Any) -> Any:
    # Called by the Packer only for what msgpack cannot pack natively, so it costs nothing on
    # the common path.
    if type(obj) is InstanceRef:
        return encode_instance(obj)
    if isinstance(obj, Mapping):  # e.g. the read-only empty kwargs of a Call
        return dict(obj)
    raise TypeError(f"cannot send a value of type {type(obj).__name__} (not a wire value)")


def _ext_hook(code: int, data: bytes) -> InstanceRef:
    if code != INSTANCE_EXT:
        raise _bad(f"unknown msgpack extension type {code}")
    if len(data) < 8:
        raise _bad("instance reference shorter than 8 bytes")
    try:
        name = data[8:].decode()
    except UnicodeDecodeError:
        raise _bad("instance reference with a class name that is not UTF-8") from None
    return InstanceRef(_ID.unpack_from(data)[0], name)


# ------------------------------------------------------------------------------------------
# Encoding
# ------------------------------------------------------------------------------------------


def _hello_wire(h: Hello) -> list[Any]:
    info: dict[str, Any] = {
        "module": h.module,
        "version": h.version,
        "schema": h.schema,
        "limits": h.limits.to_wire(),
        "features": list(h.features),
        "agent": h.agent,
    }
    if h.auth is not None:
        info["auth"] = h.auth
    if h.modules:
        info["modules"] = list(h.modules)
    if h.debug:
        info["debug"] = True
    if h.stream_window:
        info["stream_window"] = h.stream_window
    if h.max_streams:
        info["max_streams"] = h.max_streams
    return [KIND_HELLO, PROTOCOL_MAGIC, h.major, h.minor, info]


def _call_wire(c: Call) -> list[Any]:
    wire = [
        KIND_CALL,
        c.id,
        c.op._value_,  # a plain int: msgpack packs IntEnum members on a much slower path
        c.target,
        c.member,
        c.instance,
        c.args,
        c.kwargs,
        c.timeout_ms,
        c.metadata,
    ]
    if c.window is not None:  # the 11th element exists only on streamed-result calls
        wire.append(c.window)
    return wire


def _error_wire(e: Error) -> list[Any]:
    return [KIND_ERROR, e.id, e.code._value_, e.message, e.type_name, e.fields, e.traceback]


ENCODERS: dict[type, Callable[[Any], list[Any]]] = {
    Hello: _hello_wire,
    Call: _call_wire,
    Result: lambda r: [KIND_RESULT, r.id, r.value],
    Error: _error_wire,
    Cancel: lambda c: [KIND_CANCEL, c.id],
    Release: lambda r: [KIND_RELEASE, list(r.ids)],
    Ping: lambda p: [KIND_PING, p.opaque],
    Pong: lambda p: [KIND_PONG, p.opaque],
    GoAway: lambda g: [KIND_GOAWAY, g.last_id, g.code._value_, g.message],
    Item: lambda i: [KIND_ITEM, i.id, i.value],
    End: lambda e: [KIND_END, e.id],
    Window: lambda w: [KIND_WINDOW, w.id, w.n],
}


def new_packer(*, autoreset: bool = True) -> Any:
    """A msgpack Packer with the protocol's settings (bin for bytes, instance refs as ext 1)."""
    return msgpack.Packer(use_bin_type=True, default=_default, autoreset=autoreset)


class Encoder:
    """Packs messages with one reused Packer (not thread-safe: one per connection)."""

    __slots__ = ("pack_raw",)

    def __init__(self) -> None:
        self.pack_raw: Callable[[Any], bytes] = new_packer().pack
        """The Packer's own `pack`, without error translation."""

    def encode(self, message: Message) -> bytes:
        try:
            encode = ENCODERS[type(message)]
        except KeyError:
            raise TypeError(f"not a protocol message: {message!r}") from None
        return self.pack(encode(message))

    def pack(self, obj: Any) -> bytes:
        """Any msgpack-able wire value (used by tests and vectors)."""
        try:
            data = self.pack_raw(obj)
        except (TypeError, ValueError, OverflowError) as e:
            # Packer raises for ints beyond 64 bits, non-wire types, over-deep objects.
            raise ValueError(f"cannot encode message: {e}") from None
        return data


# ------------------------------------------------------------------------------------------
# Decoding
# ------------------------------------------------------------------------------------------


# Every array or map starts with one of these bytes (fixmap, fixarray, map/array 16 and 32).
_NOT_A_CONTAINER_START = bytes(
    b for b in range(256) if not (0x80 <= b <= 0x9F or 0xDC <= b <= 0xDF)
)


# Counting costs ~0.8 ns a byte (25 us for 60 KiB), the walk ~1 us for a message of a few
# containers: above this size the count costs more than the walk it would save.
_COUNT_MAX = 2048


def _may_nest(payload: bytes | memoryview, depth: int) -> bool:
    """False when `payload` cannot hold more than `depth` nested containers: it has no more than
    `depth` bytes that could start one (strings and numbers may add some; they never hide one).
    A payload of n bytes cannot nest deeper than n, so short messages skip the count too. Large
    payloads are walked without counting: when the count says "no", there are at most `depth`
    containers, so the walk is as short."""
    if len(payload) <= depth:
        return False
    if type(payload) is not bytes or len(payload) > _COUNT_MAX:
        return True
    return len(payload.translate(None, _NOT_A_CONTAINER_START)) > depth


def _too_deep(obj: Any, budget: int) -> bool:
    """True if `obj` nests arrays/maps more than `budget` levels (`obj` itself counts as one).

    One level at a time, with comprehensions and no recursion: a message costs one list per
    level that holds containers, not a generator per container."""
    level = [obj]
    while level:
        if budget <= 0:
            return True
        budget -= 1
        below: list[Any] = []
        for o in level:
            t = type(o)
            if t is list:
                below += [x for x in o if type(x) is list or type(x) is dict]
            elif t is dict:
                below += [x for x in o.values() if type(x) is list or type(x) is dict]
        level = below
    return False


def _check_id(v: Any, what: str = "call id") -> int:
    if type(v) is not int or not 0 <= v <= _MAX_ID:
        raise _bad(f"{what} must be an int between 0 and 2**63-1, got {v!r}")
    return v


def _opt_str(v: Any, what: str) -> str | None:
    if v is None or type(v) is str:
        return v
    raise _bad(f"{what} must be a str or nil, got {type(v).__name__}")


def _str(v: Any, what: str) -> str:
    if type(v) is str:
        return v
    raise _bad(f"{what} must be a str, got {type(v).__name__}")


def _need(m: list[Any], n: int, name: str) -> None:
    if len(m) < n:
        raise _bad(f"{name} message has {len(m)} elements, expected {n}")


def _decode_hello(m: list[Any]) -> Hello:
    _need(m, 4, "HELLO")
    if m[1] != PROTOCOL_MAGIC:
        raise _bad(f"not a Hypertube peer: bad magic {m[1]!r}")
    major, minor = m[2], m[3]
    if type(major) is not int or type(minor) is not int or major < 0 or minor < 0:
        raise _bad("HELLO version must be two unsigned ints")
    if major != PROTOCOL_MAJOR:
        raise _bad(
            f"protocol version {major}.{minor} is not supported; this peer speaks "
            f"{PROTOCOL_MAJOR}.x",
            StatusCode.UNIMPLEMENTED,
        )
    _need(m, 5, "HELLO")
    info = m[4]
    if type(info) is not dict:
        raise _bad("HELLO info must be a map")

    def text(key: str) -> str:
        v = info.get(key, "")
        return v if type(v) is str else ""

    def names(key: str) -> tuple[str, ...]:
        v = info.get(key)
        return tuple(x for x in v if type(x) is str) if type(v) is list else ()

    auth = info.get("auth")
    return Hello(
        module=text("module"),
        version=text("version"),
        schema=text("schema"),
        limits=Limits.from_wire(info.get("limits")),
        features=names("features"),
        auth=auth if type(auth) in (str, bytes) else None,
        agent=text("agent"),
        modules=names("modules"),
        debug=info.get("debug") is True,
        stream_window=_count(info.get("stream_window")),
        max_streams=_count(info.get("max_streams")),
        major=major,
        minor=minor,
    )


def _count(v: Any) -> int:
    """A positive count from a HELLO key; 0 (absent) for anything else."""
    return v if type(v) is int and 1 <= v <= MAX_CREDIT else 0


def _decode_call(m: list[Any]) -> Call:
    window = None
    if len(m) != 10:
        _need(m, 10, "CALL")
        window = _window(m[10]) if len(m) > 10 else None
        m = m[:10]  # later minor versions may append elements
    _, cid, op, target, member, instance, args, kwargs, timeout, metadata = m
    if type(cid) is not int or not 1 <= cid <= _MAX_ID:
        raise _bad(f"call id must be an int between 1 and 2**63-1, got {cid!r}")
    if type(op) is not int or not 0 <= op < 4:
        raise _bad(f"unknown call op {op!r}")
    if type(target) is not str or type(member) is not str:
        raise _bad("CALL target and member must be str")
    if instance is not None and type(instance) is not InstanceRef:
        raise _bad("CALL instance must be nil or an instance reference")
    if type(args) is not list:
        raise _bad("CALL args must be an array")
    if type(kwargs) is not dict:
        raise _bad("CALL kwargs must be a map")
    for k in kwargs:  # a loop, not any(<genexpr>): ~1 µs less per call
        if type(k) is not str:
            raise _bad("CALL kwargs keys must be str")
    if timeout is not None and (type(timeout) is not int or timeout < 0):
        raise _bad("CALL timeout_ms must be nil or an unsigned int")
    if metadata is not None:
        if type(metadata) is not dict:
            raise _bad("CALL metadata must be nil or a map")
        for k, v in metadata.items():
            if type(k) is not str or type(v) not in (str, bytes):
                raise _bad("CALL metadata must map str keys to str or bin values")
    return Call(cid, _OPS[op], target, member, instance, args, kwargs, timeout, metadata, window)


def _window(v: Any) -> int | None:
    if v is None:
        return None
    if type(v) is not int or not 1 <= v <= MAX_CREDIT:
        raise _bad(f"stream credit must be an int between 1 and 2**32-1, got {v!r}")
    return v


def _decode_item(m: list[Any]) -> Item:
    _need(m, 3, "ITEM")
    return Item(_check_id(m[1]), m[2])


def _decode_end(m: list[Any]) -> End:
    _need(m, 2, "END")
    return End(_check_id(m[1]))


def _decode_window(m: list[Any]) -> Window:
    _need(m, 3, "WINDOW")
    n = _window(m[2])
    if n is None:
        raise _bad("WINDOW credit must be an int between 1 and 2**32-1, got nil")
    return Window(_check_id(m[1]), n)


def _decode_result(m: list[Any]) -> Result:
    if len(m) < 3:
        _need(m, 3, "RESULT")
    cid = m[1]
    if type(cid) is not int or not 0 <= cid <= _MAX_ID:
        _check_id(cid)  # raises with the message
    return Result(cid, m[2])


def _decode_error(m: list[Any]) -> Error:
    _need(m, 7, "ERROR")
    code = m[2]
    if type(code) is not int or code < 0:
        raise _bad("ERROR code must be an unsigned int")
    fields = m[5]
    if fields is not None and type(fields) is not dict:
        raise _bad("ERROR fields must be nil or a map")
    return Error(
        _check_id(m[1]),
        StatusCode.from_wire(code),
        _str(m[3], "ERROR message"),
        _opt_str(m[4], "ERROR type_name"),
        fields,
        _opt_str(m[6], "ERROR traceback"),
    )


def _decode_release(m: list[Any]) -> Release:
    _need(m, 2, "RELEASE")
    ids = m[1]
    if type(ids) is not list:
        raise _bad("RELEASE ids must be an array")
    return Release(tuple(_check_id(i, "instance id") for i in ids))


def _opaque(v: Any) -> int:
    if type(v) is not int or not 0 <= v <= _MAX_U64:
        raise _bad("PING/PONG opaque must be an unsigned 64-bit int")
    return v


def _decode_goaway(m: list[Any]) -> GoAway:
    _need(m, 4, "GOAWAY")
    code = m[2]
    if type(code) is not int or code < 0:
        raise _bad("GOAWAY code must be an unsigned int")
    return GoAway(
        _check_id(m[1], "last id"), StatusCode.from_wire(code), _str(m[3], "GOAWAY message")
    )


def _decode_cancel(m: list[Any]) -> Cancel:
    _need(m, 2, "CANCEL")
    return Cancel(_check_id(m[1]))


def _decode_ping(m: list[Any]) -> Ping:
    _need(m, 2, "PING")
    return Ping(_opaque(m[1]))


def _decode_pong(m: list[Any]) -> Pong:
    _need(m, 2, "PONG")
    return Pong(_opaque(m[1]))


_DECODERS: tuple[Callable[[list[Any]], Message], ...] = (
    _decode_hello,
    _decode_call,
    _decode_result,
    _decode_error,
    _decode_cancel,
    _decode_release,
    _decode_ping,
    _decode_pong,
    _decode_goaway,
    _decode_item,
    _decode_end,
    _decode_window,
)


class Decoder:
    """Unpacks one message payload with the receive limits of `limits`.

    Small payloads go through one reused streaming Unpacker (cheaper per call than `unpackb`,
    which sets up a fresh context each time); large ones through `unpackb`, which reads the
    buffer in place instead of copying it into the Unpacker first."""

    __slots__ = ("_consumed", "_kw", "_unpacker", "max_depth")

    _SMALL = 16 * 1024  # where unpackb catches up (1.7 us at 16 KiB; at 32 KiB 2.3 against 3.4)

    def __init__(self, limits: Limits) -> None:
        self.max_depth = limits.max_depth
        n = limits.max_container_len
        size = limits.max_message_size
        self._kw: dict[str, Any] = {
            "raw": False,
            "strict_map_key": False,
            "use_list": True,
            "ext_hook": _ext_hook,
            "max_str_len": size,
            "max_bin_len": size,
            "max_ext_len": size,
            "max_array_len": n,
            "max_map_len": n,
        }
        self._new_unpacker()

    def _new_unpacker(self) -> None:
        self._unpacker = msgpack.Unpacker(max_buffer_size=self._SMALL, **self._kw)
        self._consumed = 0

    def unpack(self, payload: bytes | memoryview) -> Any:
        """The msgpack value of one payload, limits checked. Raises RemoteProtocolError."""
        size = len(payload)
        try:
            if size <= self._SMALL:
                u = self._unpacker
                u.feed(payload)
                obj = u.unpack()
                self._consumed += size
                if u.tell() != self._consumed:
                    raise msgpack.ExtraData(obj, b"")
            else:
                obj = msgpack.unpackb(payload, **self._kw)
        except RemoteProtocolError:
            self._new_unpacker()
            raise
        except Exception as e:
            self._new_unpacker()
            raise _classify(e) from None
        if (
            size > self.max_depth
            and _may_nest(payload, self.max_depth)
            and _too_deep(obj, self.max_depth)
        ):
            raise _bad(
                f"message nests deeper than {self.max_depth} levels",
                StatusCode.RESOURCE_EXHAUSTED,
            )
        return obj

    def decode(self, payload: bytes | memoryview) -> Message:
        return message_from_wire(self.unpack(payload))


def _classify(e: Exception) -> RemoteProtocolError:
    if isinstance(e, msgpack.StackError):
        return _bad("message nests too deeply", StatusCode.RESOURCE_EXHAUSTED)
    if isinstance(e, msgpack.ExtraData):
        return _bad("bytes left over after the message")
    if isinstance(e, msgpack.OutOfData):
        return _bad("the message ends in the middle of a value")
    text = str(e) or type(e).__name__
    if isinstance(e, ValueError) and "exceeds max" in text:
        return _bad(f"message exceeds a limit: {text}", StatusCode.RESOURCE_EXHAUSTED)
    # msgpack raises FormatError, UnicodeDecodeError, TypeError (unhashable keys) and more.
    return _bad(f"invalid msgpack: {text}")


def message_from_wire(m: Any) -> Message:
    """The event for a decoded envelope. Raises RemoteProtocolError if it is malformed."""
    if type(m) is not list or not m:
        raise _bad("a message must be a non-empty array")
    kind = m[0]
    if type(kind) is not int:
        raise _bad(f"message kind must be an int, got {type(kind).__name__}")
    if not 0 <= kind < len(_DECODERS):
        raise _bad(f"unknown message kind {kind}", StatusCode.UNIMPLEMENTED)
    return _DECODERS[kind](m)


def message_kind(message: Message) -> str:
    return KIND_NAMES[_KIND_OF[type(message)]]


_KIND_OF: dict[type, int] = {
    Hello: KIND_HELLO,
    Call: KIND_CALL,
    Result: KIND_RESULT,
    Error: KIND_ERROR,
    Cancel: KIND_CANCEL,
    Release: KIND_RELEASE,
    Ping: KIND_PING,
    Pong: KIND_PONG,
    GoAway: KIND_GOAWAY,
    Item: KIND_ITEM,
    End: KIND_END,
    Window: KIND_WINDOW,
}
