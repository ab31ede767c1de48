"""A RESULT carrying large bytes is framed without the Packer (one copy of the value, not
two): the bytes on the wire are exactly msgpack's, and the peer's size limit still holds."""

from __future__ import annotations

import struct

import msgpack
import pytest
from graftcode_runtime.protocol._connection import _LARGE_BYTES, Connection
from graftcode_runtime.protocol._errors import LocalProtocolError, StatusCode
from graftcode_runtime.protocol._events import Call, Op, Result
from graftcode_runtime.protocol._limits import Limits

from .conftest import handshake


def _call(c: Connection, s: Connection, cid: int) -> None:
    s.receive_data(c.send(Call(cid, Op.CALL, "calculator", "echo", None, [b""], {}, None, None)))
    assert isinstance(s.next_event(), Call)


@pytest.mark.parametrize("size", [_LARGE_BYTES - 1, _LARGE_BYTES, 1 << 20])
@pytest.mark.parametrize("cid", [1, 200, 70_000, 2**40])
def test_the_frame_is_msgpack_s_own_and_the_client_reads_it(size: int, cid: int) -> None:
    c, s = handshake(client_limits=Limits(max_message_size=4 << 20))
    for _ in range(2):  # twice: the reused Packer is left clean
        _call(c, s, cid)
        value = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        data = s.send(Result(cid, value))
        payload = msgpack.packb([2, cid, value], use_bin_type=True)
        assert data == struct.pack(">I", len(payload)) + payload
        c.receive_data(data)
        ev = c.next_event()
        assert isinstance(ev, Result) and ev.id == cid and ev.value == value
        cid += 1


def test_the_peer_s_limit_still_holds() -> None:
    c, s = handshake(client_limits=Limits(max_message_size=100_000))
    _call(c, s, 1)
    with pytest.raises(LocalProtocolError) as info:
        s.send(Result(1, b"x" * 100_000))
    assert info.value.code is StatusCode.RESOURCE_EXHAUSTED
    s.send(Result(1, b"x" * 99_000))  # under the limit: sent, the call is answered
    assert not s.calls_in_flight
