"""Streams from Node against a real `graftc serve` over TCP and WebSocket (the same checks
through both): a generator consumed with `for await`, 10,000 items in order, a declared error
after 3 items, `break`, an AbortSignal and a disconnect closing the generator on the gateway
(its `finally` writes a marker file), a deadline over the whole stream, a client stream, a
bidirectional one and an instance method's stream (tests/typescript/js/streams.mjs)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import tsharness

pytestmark = [pytest.mark.slow, pytest.mark.node]


@pytest.fixture(scope="module")
def stream_gateway() -> Iterator[tsharness.Gateway]:
    gw = tsharness.start_gateway("tsstream")
    try:
        yield gw
    finally:
        gw.stop()


@pytest.mark.parametrize("scheme", ["tcp", "ws"])
def test_streams_from_node(
    consumer: tsharness.Consumer,
    stream_gateway: tsharness.Gateway,
    scheme: str,
    tmp_path: Path,
) -> None:
    script = consumer.dir / "streams.mjs"
    shutil.copy(tsharness.HERE / "js" / "streams.mjs", script)
    out = consumer.node(script, stream_gateway.url(scheme), str(tmp_path), timeout=120)
    checks: list[dict[str, object]] = json.loads(out)["checks"]
    assert len(checks) == 9
    failed = [c for c in checks if not c["ok"]]
    assert not failed, "\n".join(f"{c['name']}: {c['detail']}" for c in failed)
