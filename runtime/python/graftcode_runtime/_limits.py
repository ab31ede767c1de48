"""`Limits`: what one side of a connection is willing to receive (docs/protocol.md section 8)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024
MIN_MAX_MESSAGE_SIZE = 4096
"""A HELLO must fit in this many bytes, so a peer can always read the first message."""


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
        if not MIN_MAX_MESSAGE_SIZE <= self.max_message_size <= 0xFFFFFFFF:
            raise ValueError(
                f"Limits.max_message_size must be between {MIN_MAX_MESSAGE_SIZE} and 2**32-1"
            )

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
                if f.name == "max_message_size":
                    v = min(max(v, MIN_MAX_MESSAGE_SIZE), 0xFFFFFFFF)
                known[f.name] = v
        return cls(**known)
