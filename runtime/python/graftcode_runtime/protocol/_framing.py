"""Length-prefixed framing for byte streams (docs/protocol.md 2.1).

Each frame is a 4-byte big-endian length and that many payload bytes. The length is checked
against the limit as soon as its 4 bytes are in, before any payload is buffered, so a peer can
never make us hold more than one limit's worth of bytes. Received chunks are kept in a list and
joined once per frame, so a large frame arriving in many small chunks is copied once, not once
per chunk.
"""

from __future__ import annotations

import struct

from ._errors import RemoteProtocolError, StatusCode

PREFIX = struct.Struct(">I")
PREFIX_SIZE = PREFIX.size
_unpack_from = PREFIX.unpack_from


def frame(payload: bytes) -> bytes:
    return PREFIX.pack(len(payload)) + payload


class FrameDecoder:
    """Bytes in (`feed`), complete payloads out (`next_frame`)."""

    __slots__ = ("_chunks", "_first_pos", "_have", "_need", "max_size")

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._chunks: list[bytes] = []
        self._first_pos = 0  # bytes of _chunks[0] already consumed
        self._have = 0  # unconsumed bytes buffered
        self._need = -1  # payload length of the frame in progress, -1 before its prefix

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned (non-zero at EOF means a truncated frame)."""
        return self._have + (PREFIX_SIZE if self._need >= 0 else 0)

    def feed(self, data: bytes) -> None:
        if data:
            self._chunks.append(data)
            self._have += len(data)

    def _take(self, n: int) -> bytes | memoryview:
        """The next `n` buffered bytes (the caller checked they are there)."""
        first = self._chunks[0]
        pos = self._first_pos
        if len(first) - pos >= n:
            # Fast path: the whole piece sits in one chunk; a memoryview slice copies nothing.
            end = pos + n
            if end == len(first):
                del self._chunks[0]
                self._first_pos = 0
                out: bytes | memoryview = first if pos == 0 else memoryview(first)[pos:]
            else:
                self._first_pos = end
                out = memoryview(first)[pos:end]
            self._have -= n
            return out
        joined = b"".join(self._chunks)
        end = pos + n
        # A view, not a slice: a large frame is copied once (by the join), not twice.
        out = joined if (pos == 0 and end == len(joined)) else memoryview(joined)[pos:end]
        rest = joined[end:]
        self._chunks = [rest] if rest else []
        self._first_pos = 0
        self._have -= n
        return out

    def next_frame(self) -> bytes | memoryview | None:
        """The next complete payload, or None if more bytes are needed.

        Raises RemoteProtocolError for a zero or oversized length, before buffering more."""
        if self._need < 0:
            if self._have < PREFIX_SIZE:
                return None
            first = self._chunks[0]
            pos = self._first_pos
            size = len(first)
            if size - pos >= PREFIX_SIZE:
                n = _unpack_from(first, pos)[0]
                if n == 0 or n > self.max_size:
                    self._check(n)
                end = pos + PREFIX_SIZE + n
                if end <= size:
                    # Fast path: the whole frame sits in the first chunk (the usual case for
                    # small messages): no bookkeeping beyond one slice.
                    start = pos + PREFIX_SIZE
                    payload: bytes | memoryview = (
                        first[start:end] if n < 4096 else memoryview(first)[start:end]
                    )
                    if end == size:
                        del self._chunks[0]
                        self._first_pos = 0
                    else:
                        self._first_pos = end
                    self._have -= PREFIX_SIZE + n
                    return payload
                self._first_pos = pos + PREFIX_SIZE
                self._have -= PREFIX_SIZE
            else:
                (n,) = PREFIX.unpack(self._take(PREFIX_SIZE))
                self._check(n)
            self._need = n
        if self._have < self._need:
            return None
        out = self._take(self._need)
        self._need = -1
        return out

    def _check(self, n: int) -> None:
        if n == 0:
            raise RemoteProtocolError(
                "frame with a zero length prefix", code=StatusCode.INVALID_ARGUMENT
            )
        if n > self.max_size:
            raise RemoteProtocolError(
                f"frame of {n} bytes exceeds the limit of {self.max_size} bytes",
                code=StatusCode.RESOURCE_EXHAUSTED,
            )
