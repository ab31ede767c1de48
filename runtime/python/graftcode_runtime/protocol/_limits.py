"""`Limits`: what one side of a connection is willing to receive (docs/protocol.md section 8)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024
# A HELLO must fit within these, so a peer can always read the first message, before it knows
# the other side's limits (docs/protocol.md section 8).
MIN_MAX_MESSAGE_SIZE = 4096
MIN_MAX_DEPTH = 8
MIN_MAX_CONTAINER_LEN = 64
# Values are walked recursively (depth check, ValueCodec), so depth stays far from Python's
# recursion limit.
MAX_MAX_DEPTH = 200
_FLOORS = {
    "max_message_size": MIN_MAX_MESSAGE_SIZE,
    "max_depth": MIN_MAX_DEPTH,
    "max_container_len": MIN_MAX_CONTAINER_LEN,
}


@dataclass(frozen=True, slots=True)
class Limits:
    """Announced in HELLO; the peer must respect them when sending, and the receiver enforces
    them: `max_message_size` from the length prefix before buffering, `max_depth` and
    `max_container_len` while decoding, the last two per connection on the gateway."""

    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    max_depth: int = 64
    max_container_len: int = 1 << 20
    max_instances: int = 10_000
    max_concurrent_calls: int = 1000

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if type(v) is not int or v < 1:
                raise ValueError(f"Limits.{f.name} must be a positive int, got {v!r}")
        for name, floor in _FLOORS.items():
            if getattr(self, name) < floor:
                raise ValueError(f"Limits.{name} must be at least {floor} (a HELLO must fit)")
        if self.max_message_size > 0xFFFFFFFF:
            raise ValueError("Limits.max_message_size must fit the 32-bit length prefix")
        if self.max_depth > MAX_MAX_DEPTH:
            raise ValueError(f"Limits.max_depth must be at most {MAX_MAX_DEPTH}")

    def to_wire(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_wire(cls, data: object) -> Limits:
        """Tolerant: unknown keys are ignored and absent or invalid ones keep their defaults,
        because a peer may announce only the limits that concern it."""
        if not isinstance(data, Mapping):
            return cls()
        known: dict[str, Any] = {}
        for f in fields(cls):
            v = data.get(f.name)
            if type(v) is int and v >= 1:
                v = max(v, _FLOORS.get(f.name, 1))
                if f.name == "max_message_size":
                    v = min(v, 0xFFFFFFFF)
                elif f.name == "max_depth":
                    v = min(v, MAX_MAX_DEPTH)
                known[f.name] = v
        return cls(**known)
