"""A consumer that reads one item at a time while the producer could emit millions keeps the
gateway's memory flat (measured: the RSS of a gateway process), because the producer is paused
when its caller's credit is spent (docs/protocol.md 5.5). No timing assertions: the sleeps only
give an unbounded producer the time to show itself."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from graftcode_runtime import CallSpec, connect
from graftcode_runtime.testing import GatewayProcess

HERE = Path(__file__).resolve().parent
MiB = 1024 * 1024


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["threads", "trio"])
def test_a_slow_consumer_keeps_the_gateway_memory_flat(engine: str) -> None:
    from graftcode_runtime.gateway import GatewayConfig

    with GatewayProcess(["streamfix"], GatewayConfig(tcp_engine=engine), path=[HERE]) as gw:
        with connect(gw.urls["tcp"], module="streamfix") as client:
            stream = client.stream(CallSpec("call", "streamfix", "firehose", [64 * 1024], {}))
            next(stream)
            time.sleep(0.5)
            before = gw.rss()
            for _ in range(10):  # a consumer that reads one 64 KiB item now and then
                time.sleep(0.2)
                assert len(next(stream)) == 64 * 1024
            after = gw.rss()
            stream.close()
    # 2 s of an unpaused producer would be gigabytes; paused, it is the client's window
    # (64 items x 64 KiB = 4 MiB) at most, written ahead into socket buffers.
    assert after - before < 16 * MiB, (before, after)
