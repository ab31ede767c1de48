"""The JSON notation of tests/vectors (docs/protocol.md section 11), shared by the generator
and the tests: msgpack values as JSON, and messages as named fields ("meanings")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graftcode_runtime.protocol._errors import StatusCode
from graftcode_runtime.protocol._events import (
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
from graftcode_runtime.protocol._limits import Limits

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
_SAFE = 2**53 - 1  # beyond this, JSON numbers lose precision in JavaScript


def _int(v: int) -> Any:
    return int(v) if -_SAFE <= v <= _SAFE else {"$int": str(int(v))}


def to_json(v: Any) -> Any:
    """A decoded msgpack value in the vectors' JSON notation."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int):
        return _int(v)
    if isinstance(v, float):
        return {"$float": v}
    if isinstance(v, bytes | bytearray | memoryview):
        return {"$bin": bytes(v).hex()}
    if isinstance(v, InstanceRef):
        return {"$instance": v.id, "class": v.class_name}
    if isinstance(v, list | tuple):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in v):
            return {k: to_json(x) for k, x in v.items()}
        return {"$map": [[to_json(k), to_json(x)] for k, x in v.items()]}
    raise TypeError(f"no JSON notation for {type(v).__name__}")


def from_json(v: Any) -> Any:
    """Inverse of `to_json`."""
    if isinstance(v, list):
        return [from_json(x) for x in v]
    if isinstance(v, dict):
        if "$int" in v:
            return int(v["$int"])
        if "$float" in v:
            return float(v["$float"])
        if "$bin" in v:
            return bytes.fromhex(v["$bin"])
        if "$instance" in v:
            return InstanceRef(v["$instance"], v.get("class", ""))
        if "$map" in v:
            return {from_json(k): from_json(x) for k, x in v["$map"]}
        return {k: from_json(x) for k, x in v.items()}
    return v


def meaning(m: Message) -> dict[str, Any]:
    """A message as named fields, values in JSON notation."""
    if isinstance(m, Hello):
        out: dict[str, Any] = {
            "kind": "HELLO",
            "major": m.major,
            "minor": m.minor,
            "module": m.module,
            "version": m.version,
            "schema": m.schema,
            "limits": m.limits.to_wire(),
            "features": list(m.features),
            "agent": m.agent,
        }
        if m.auth is not None:
            out["auth"] = to_json(m.auth)
        if m.modules:
            out["modules"] = list(m.modules)
        if m.debug:
            out["debug"] = True
        if m.stream_window:
            out["stream_window"] = m.stream_window
        if m.max_streams:
            out["max_streams"] = m.max_streams
        return out
    if isinstance(m, Call):
        call = {
            "kind": "CALL",
            "id": _int(m.id),
            "op": m.op.name,
            "target": m.target,
            "member": m.member,
            "instance": to_json(m.instance),
            "args": to_json(list(m.args)),
            "kwargs": to_json(dict(m.kwargs)),
            "timeout_ms": m.timeout_ms,
            "metadata": to_json(dict(m.metadata)) if m.metadata is not None else None,
        }
        if m.window is not None:  # only streamed-result calls have it (protocol.md 5.5)
            call["window"] = m.window
        return call
    if isinstance(m, Item):
        return {"kind": "ITEM", "id": _int(m.id), "value": to_json(m.value)}
    if isinstance(m, End):
        return {"kind": "END", "id": _int(m.id)}
    if isinstance(m, Window):
        return {"kind": "WINDOW", "id": _int(m.id), "n": _int(m.n)}
    if isinstance(m, Result):
        return {"kind": "RESULT", "id": _int(m.id), "value": to_json(m.value)}
    if isinstance(m, Error):
        return {
            "kind": "ERROR",
            "id": _int(m.id),
            "code": m.code.name,
            "message": m.message,
            "type_name": m.type_name,
            "fields": to_json(m.fields),
            "traceback": m.traceback,
        }
    if isinstance(m, Cancel):
        return {"kind": "CANCEL", "id": _int(m.id)}
    if isinstance(m, Release):
        return {"kind": "RELEASE", "ids": [_int(i) for i in m.ids]}
    if isinstance(m, Ping):
        return {"kind": "PING", "opaque": _int(m.opaque)}
    if isinstance(m, Pong):
        return {"kind": "PONG", "opaque": _int(m.opaque)}
    if isinstance(m, GoAway):
        return {
            "kind": "GOAWAY",
            "last_id": _int(m.last_id),
            "code": m.code.name,
            "message": m.message,
        }
    raise TypeError(m)


def message(d: dict[str, Any]) -> Message:
    """Inverse of `meaning`."""
    kind = d["kind"]
    if kind == "HELLO":
        auth = d.get("auth")
        return Hello(
            module=d["module"],
            version=d["version"],
            schema=d["schema"],
            limits=Limits(**d["limits"]),
            features=tuple(d["features"]),
            auth=from_json(auth) if auth is not None else None,
            agent=d["agent"],
            modules=tuple(d.get("modules", ())),
            debug=d.get("debug", False),
            stream_window=d.get("stream_window", 0),
            max_streams=d.get("max_streams", 0),
            major=d["major"],
            minor=d["minor"],
        )
    if kind == "CALL":
        md = d["metadata"]
        return Call(
            from_json(d["id"]),
            Op[d["op"]],
            d["target"],
            d["member"],
            from_json(d["instance"]),
            from_json(d["args"]),
            from_json(d["kwargs"]),
            d["timeout_ms"],
            from_json(md) if md is not None else None,
            d.get("window"),
        )
    if kind == "ITEM":
        return Item(from_json(d["id"]), from_json(d["value"]))
    if kind == "END":
        return End(from_json(d["id"]))
    if kind == "WINDOW":
        return Window(from_json(d["id"]), from_json(d["n"]))
    if kind == "RESULT":
        return Result(from_json(d["id"]), from_json(d["value"]))
    if kind == "ERROR":
        return Error(
            from_json(d["id"]),
            StatusCode[d["code"]],
            d["message"],
            d["type_name"],
            from_json(d["fields"]),
            d["traceback"],
        )
    if kind == "CANCEL":
        return Cancel(from_json(d["id"]))
    if kind == "RELEASE":
        return Release(tuple(from_json(i) for i in d["ids"]))
    if kind == "PING":
        return Ping(from_json(d["opaque"]))
    if kind == "PONG":
        return Pong(from_json(d["opaque"]))
    if kind == "GOAWAY":
        return GoAway(from_json(d["last_id"]), StatusCode[d["code"]], d["message"])
    raise ValueError(kind)


def load_vectors() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(VECTORS.glob("*.json"))]
