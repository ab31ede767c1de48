"""Property test: any value of any (non-class) type survives to_wire -> msgpack -> from_wire."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import msgpack
from graftcode_runtime import ugm
from graftcode_runtime.values._codec import ValueCodec
from hypothesis import given, settings
from hypothesis import strategies as st

P = ugm.Primitive
MODULE = ugm.Module(
    "m",
    "1",
    (
        ugm.Enum("Level", (ugm.EnumMember("LOW", 1), ugm.EnumMember("HIGH", 2))),
        ugm.Record(
            "Pair",
            (
                ugm.Field("left", P("int")),
                ugm.Field("right", ugm.Optional(P("str")), ugm.NoneLit()),
            ),
        ),
    ),
)
CODEC = ValueCodec(MODULE)

_PRIMS: dict[str, st.SearchStrategy[Any]] = {
    "bool": st.booleans(),
    "int": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "float": st.floats(allow_nan=False),
    "str": st.text(max_size=20),
    "bytes": st.binary(max_size=20),
    "none": st.none(),
    "date": st.dates(),
    "datetime": st.datetimes(timezones=st.none() | st.just(dt.UTC)),
    "time": st.times(),
    "decimal": st.decimals(allow_nan=False, allow_infinity=False, places=4),
    "uuid": st.uuids(),
}

types: st.SearchStrategy[ugm.TypeRef] = st.recursive(
    st.sampled_from([P(n) for n in _PRIMS])
    | st.sampled_from([ugm.Named("Level"), ugm.Named("Pair")]),
    lambda inner: st.one_of(
        inner.filter(lambda t: not isinstance(t, ugm.Optional)).map(ugm.Optional),
        inner.map(ugm.ListOf),
        st.tuples(st.sampled_from([P("str"), P("int")]), inner).map(lambda kv: ugm.MapOf(*kv)),
    ),
    max_leaves=4,
)


def values(t: ugm.TypeRef) -> st.SearchStrategy[Any]:
    if isinstance(t, ugm.Primitive):
        return _PRIMS[t.name]
    if isinstance(t, ugm.Optional):
        return st.none() | values(t.inner)
    if isinstance(t, ugm.ListOf):
        return st.lists(values(t.item), max_size=4)
    if isinstance(t, ugm.MapOf):
        return st.dictionaries(values(t.key), values(t.value), max_size=4)
    if t.name == "Level":
        return st.sampled_from([1, 2])
    return st.fixed_dictionaries(
        {"left": _PRIMS["int"], "right": st.none() | _PRIMS["str"]},
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_roundtrip(data: st.DataObject) -> None:
    t = data.draw(types)
    value = data.draw(values(t))
    wire = msgpack.unpackb(msgpack.packb(CODEC.to_wire(t, value)), strict_map_key=False)
    back = CODEC.from_wire(t, wire)
    assert back == value


def test_roundtrip_keeps_python_types() -> None:
    for t, v in [
        (P("decimal"), Decimal("-0.0010")),
        (P("uuid"), uuid.UUID(int=5)),
        (P("datetime"), dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5)))),
    ]:
        back = CODEC.from_wire(t, CODEC.to_wire(t, v))
        assert back == v and type(back) is type(v) and str(back) == str(v)
