"""A typed consumer of the generated streamfix package (mypy --strict): items have their
declared types, a stream closes, and the async twin is used with `async for`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import graft_streamfix as g


def first_rows(n: int) -> list[int]:
    seqs: list[int] = []
    with g.streamfix.rows(n) as rows:
        for row in rows:
            seqs.append(row.seq)
    return seqs


def chunk_sizes() -> int:
    stream = g.streamfix.chunks(2, 3)
    total = sum(len(c) for c in stream)
    stream.close()
    return total


def feed_lines(feed: g.Feed) -> list[str]:
    return [line.upper() for line in feed.lines(2)]


async def async_count(client: g.AsyncStreamfixClient) -> int:
    total = 0
    async for i in client.count(3):
        total += i
    async with client.rows(1) as rows:
        async for row in rows:
            total += len(row.text)
    return total


def upload_all(parts: list[bytes]) -> int:
    return g.streamfix.upload("a.bin", parts) + g.streamfix.upload("b.bin", iter(parts))


def doubled(values: range) -> list[int]:
    return list(g.streamfix.doubled(values))


async def async_upload(client: g.AsyncStreamfixClient) -> int:
    async def parts() -> AsyncIterator[bytes]:
        yield b"ab"

    return await client.upload("a.bin", parts()) + await client.asum([1, 2])
