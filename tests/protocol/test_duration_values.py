"""The `duration` primitive through `ValueCodec` (docs/protocol.md section 6): an int of
microseconds, exact for every `timedelta` within 64 bits, pinned by the `call_duration_values`
vector; the checked reads of generated clients agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from graftcode_runtime import ugm
from graftcode_runtime.binding import wire
from graftcode_runtime.protocol._errors import InvalidValue
from graftcode_runtime.values import ValueCodec
from hypothesis import given
from hypothesis import strategies as st

from .vectorlib import from_json, load_vectors

D = ugm.Primitive("duration")
WAIT = (
    ugm.Param("span", D),
    ugm.Param("by", ugm.UnionOf((D, ugm.Primitive("float")))),
    ugm.Param("most", ugm.Optional(D)),
    ugm.Param("far", D),
)
CODEC = ValueCodec(ugm.Module("timers", "1.0.0"))
FAR = dt.timedelta(microseconds=1 << 60)


def test_the_vector_is_what_the_codec_sends() -> None:
    (vector,) = [v for v in load_vectors() if v["name"] == "call_duration_values"]
    wire_args, wire_kwargs = from_json(vector["msgpack"])[6:8]
    values = [dt.timedelta(seconds=90), dt.timedelta(microseconds=-1), None, FAR]
    assert CODEC.args_to_wire(WAIT, values, {}) == (wire_args, wire_kwargs)
    assert CODEC.args_from_wire(WAIT, wire_args, wire_kwargs) == (values, {})


@given(st.timedeltas(min_value=-dt.timedelta(days=10**6), max_value=dt.timedelta(days=10**6)))
def test_every_timedelta_round_trips_exactly(value: dt.timedelta) -> None:
    sent = CODEC.to_wire(D, value)
    assert type(sent) is int
    assert CODEC.from_wire(D, sent) == value == wire.as_duration(sent)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "expected duration (timedelta), got float"),
        ("PT1S", "expected duration (timedelta), got str"),
        (dt.timedelta.max, "out of the 64-bit signed range"),
    ],
)
def test_what_is_not_a_sendable_duration_is_refused(value: Any, message: str) -> None:
    with pytest.raises(InvalidValue, match=message.replace("(", r"\(").replace(")", r"\)")):
        CODEC.to_wire(D, value)


@pytest.mark.parametrize(
    ("w", "message"),
    [
        (1.0, "expected duration (an int of microseconds), got float"),
        ("90", "expected duration (an int of microseconds), got str"),
        (True, "expected duration (an int of microseconds), got bool"),
        (1 << 63, "out of the 64-bit signed range"),
    ],
)
def test_a_wire_value_that_is_no_duration_is_refused(w: Any, message: str) -> None:
    with pytest.raises(InvalidValue, match=message.replace("(", r"\(").replace(")", r"\)")):
        CODEC.from_wire(D, w)


def test_the_client_reads_refuse_the_same() -> None:
    assert wire.as_duration(-1) == dt.timedelta(microseconds=-1)
    assert wire.as_duration((1 << 63) - 1) == dt.timedelta(microseconds=(1 << 63) - 1)
    for bad in (1.0, True, "1"):
        with pytest.raises(wire.WireError):
            wire.as_duration(bad)
