"""Arbitrary bytes and arbitrary msgpack messages never crash the gateway."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from typing import Any

import msgpack
import pytest
from graftcode_runtime import connect
from harness import GatewayThread
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HELLO = msgpack.packb([0, "hypertube", 1, 0, {"module": "calculator"}])


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayThread]:
    with GatewayThread(["calculator"]) as g:
        yield g


def _exchange(gw: GatewayThread, data: bytes) -> None:
    with socket.create_connection(gw.tcp_address, timeout=5) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except OSError:
            pass  # the gateway may close first: that is a valid answer
    gw.check()


values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8)
    | st.binary(max_size=8) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=64))
def test_random_bytes(gw: GatewayThread, data: bytes) -> None:
    _exchange(gw, data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.integers(0, 9), rest=st.lists(values, max_size=10))
def test_random_messages_after_a_handshake(gw: GatewayThread, kind: int, rest: list[Any]) -> None:
    payload = msgpack.packb([kind, *rest])
    frames = struct.pack(">I", len(HELLO)) + HELLO + struct.pack(">I", len(payload)) + payload
    _exchange(gw, frames)


def test_still_serving_after_the_fuzz(gw: GatewayThread) -> None:
    with connect(gw.url("tcp")) as c:
        assert c.call("add", 1, 2) == 3
