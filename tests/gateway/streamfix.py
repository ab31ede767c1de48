"""A module hosted by the stream tests: sync and async generators, a stream that fails after
some items, producers that record how far they got and whether their `finally` ran."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

__version__ = "1.0.0"

produced: dict[str, int] = {}
"""key -> items a tracked producer has yielded so far."""
closed: dict[str, threading.Event] = {}
"""key -> set when that producer's `finally` ran."""


class Boom(Exception):
    """A declared error raised in the middle of a stream."""

    after: int

    def __init__(self, after: int) -> None:
        super().__init__(f"boom after {after} items")
        self.after = after


@dataclass
class Row:
    seq: int
    text: str


def count(n: int) -> Iterator[int]:
    """0, 1, ..., n-1."""
    yield from range(n)


def rows(n: int) -> Iterator[Row]:
    """n small records."""
    for i in range(n):
        yield Row(i, "row")


def chunks(n: int, size: int) -> Iterator[bytes]:
    """n byte strings of `size` bytes."""
    block = b"x" * size
    for _ in range(n):
        yield block


def fail_after(n: int) -> Iterator[int]:
    """n items, then Boom.

    Raises:
        Boom: always, after the items.
    """
    yield from range(n)
    raise Boom(n)


def tracked(key: str) -> Iterator[int]:
    """Endless; records each item in `produced[key]` and its close in `closed[key]`."""
    produced[key] = 0
    done = closed.setdefault(key, threading.Event())
    try:
        while True:
            yield produced[key]
            produced[key] += 1
    finally:
        done.set()


def ticking(key: str, seconds: float) -> Iterator[int]:
    """Endless, one item every `seconds`; records its close in `closed[key]`."""
    done = closed.setdefault(key, threading.Event())
    try:
        i = 0
        while True:
            yield i
            i += 1
            time.sleep(seconds)
    finally:
        done.set()


async def acount(n: int) -> AsyncIterator[int]:
    """0 .. n-1 from an async generator."""
    for i in range(n):
        yield i
        await asyncio.sleep(0)


async def atracked(key: str) -> AsyncIterator[int]:
    """Endless async generator; records its items and its close."""
    produced[key] = 0
    done = closed.setdefault(key, threading.Event())
    try:
        while True:
            yield produced[key]
            produced[key] += 1
            await asyncio.sleep(0)
    finally:
        done.set()


def listed(n: int) -> Iterator[str]:
    """A plain iterable returned by a function that is no generator."""
    return iter([str(i) for i in range(n)])


def total(values: list[int]) -> int:
    """A unary member next to the streaming ones."""
    return sum(values)


class Feed:
    """A remote instance whose method streams."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def lines(self, n: int) -> Iterator[str]:
        """`prefix-0` ... `prefix-(n-1)`."""
        for i in range(n):
            yield f"{self.prefix}-{i}"


def upload(name: str, chunks: Iterator[bytes]) -> int:
    """Client streaming: the total size of the chunks."""
    return sum(len(c) for c in chunks)


async def asum(values: AsyncIterator[int]) -> int:
    """Client streaming into an async member."""
    total = 0
    async for v in values:
        total += v
    return total


def doubled(values: Iterator[int]) -> Iterator[int]:
    """Bidirectional: each value twice as large, as it comes."""
    for v in values:
        yield 2 * v


def first(values: Iterator[int], key: str) -> int:
    """Reads one item, then returns: the rest of the caller's stream is ignored."""
    done = closed.setdefault(key, threading.Event())
    try:
        return next(values)
    finally:
        done.set()


def firehose(size: int) -> Iterator[bytes]:
    """Endless chunks of `size` bytes, as fast as they are taken."""
    block = b"x" * size
    while True:
        yield block
