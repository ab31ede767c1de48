"""The streaming workload both servers run: small records and 64 KiB chunks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__version__ = "1.0.0"


@dataclass
class Row:
    seq: int
    name: str
    score: float
    active: bool


def rows(n: int) -> Iterator[Row]:
    """n small records."""
    for i in range(n):
        yield Row(i, "row", 0.5, True)


def chunks(n: int, size: int) -> Iterator[bytes]:
    """n byte strings of `size` bytes."""
    block = b"x" * size
    for _ in range(n):
        yield block
