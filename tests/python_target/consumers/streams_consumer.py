"""A typed consumer of the generated streamfix package (mypy --strict): items have their
declared types, a stream closes, and the async twin is used with `async for`."""

from __future__ import annotations

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
