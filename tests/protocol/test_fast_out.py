"""The one-pass shortcuts of the value codec (`values/_fast_out.py`) give exactly what the general
converters give, value for value and error for error, including for values they do not take as
they are (subclasses, ints out of range, bools for ints, missing attributes, wrong types)."""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Callable
from typing import Any

from graftcode_runtime import ugm
from graftcode_runtime.protocol._errors import InvalidValue
from graftcode_runtime.values._codec import ValueCodec
from hypothesis import given
from hypothesis import strategies as st

P = ugm.Primitive


@dataclasses.dataclass(frozen=True)
class Inner:
    city: str
    zip: str


@dataclasses.dataclass(frozen=True)
class Rec:
    id: Any
    name: Any
    score: Any
    active: Any
    data: Any
    tags: Any
    counts: Any
    inner: Any
    kids: Any = ()


class Tag(enum.StrEnum):
    A = "a"


MODULE = ugm.Module(
    "m",
    "1",
    (
        ugm.Record("Inner", (ugm.Field("city", P("str")), ugm.Field("zip", P("str")))),
        ugm.Record(
            "Rec",
            (
                ugm.Field("id", P("int")),
                ugm.Field("name", P("str")),
                ugm.Field("score", P("float")),
                ugm.Field("active", P("bool")),
                ugm.Field("data", P("bytes")),
                ugm.Field("tags", ugm.ListOf(P("str"))),
                ugm.Field("counts", ugm.MapOf(P("str"), P("int"))),
                ugm.Field("inner", ugm.Optional(ugm.Named("Inner"))),
                ugm.Field("kids", ugm.ListOf(ugm.Named("Rec")), ugm.ListLit(())),
            ),
        ),
    ),
)
TYPES = {"Inner": Inner, "Rec": Rec}


def _codecs() -> tuple[ValueCodec, ValueCodec]:
    fast = ValueCodec(MODULE, python_types=TYPES)
    fast.fast_out = True
    general = ValueCodec(MODULE, python_types=TYPES)
    general.fast_out = False
    return fast, general


def _outcome(encode: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", encode()
    except InvalidValue as e:
        return "error", str(e)


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.binary(max_size=3),
    st.just(Tag.A),
    st.just(bytearray(b"x")),
)
ints = st.integers(min_value=-(2**64), max_value=2**64) | anything
texts = st.text(max_size=3) | anything
lists = st.lists(texts, max_size=3) | st.tuples(texts) | anything
keys = st.text(max_size=3) | st.integers() | st.booleans() | st.just(Tag.A)
maps = st.dictionaries(keys, ints, max_size=3) | anything
inners = st.none() | st.builds(Inner, texts, texts) | anything


def recs(depth: int = 0) -> st.SearchStrategy[Any]:
    kids = st.lists(st.deferred(lambda: recs(depth + 1)), max_size=2) if depth < 1 else st.just(())
    return st.builds(Rec, ints, texts, anything, anything, anything, lists, maps, inners, kids)


@given(value=recs())
def test_shortcuts_match_the_general_converters(value: Any) -> None:
    fast, general = _codecs()
    t = ugm.Named("Rec")
    assert _outcome(lambda: fast.to_wire(t, value)) == _outcome(lambda: general.to_wire(t, value))


@given(value=st.lists(ints, max_size=4) | maps)
def test_list_and_map_shortcuts_match_both_ways(value: Any) -> None:
    fast, general = _codecs()
    for t in (ugm.ListOf(P("int")), ugm.MapOf(P("str"), P("int")), ugm.ListOf(P("float"))):
        for a, b in ((fast.to_wire, general.to_wire), (fast.from_wire, general.from_wire)):
            assert _outcome(functools.partial(a, t, value)) == _outcome(
                functools.partial(b, t, value)
            )


def test_a_declared_record_is_encoded_in_one_pass() -> None:
    fast, _ = _codecs()
    value = Rec(1, "n", 1.5, True, b"d", ["a"], {"x": 1}, Inner("c", "z"))
    wire = fast.to_wire(ugm.Named("Rec"), value)
    assert wire == {
        "id": 1, "name": "n", "score": 1.5, "active": True, "data": b"d", "tags": ["a"],
        "counts": {"x": 1}, "inner": {"city": "c", "zip": "z"}, "kids": [],
    }  # fmt: skip
    assert wire["tags"] is not value.tags  # copies: the caller's value is never shared
    assert fast.encoder(ugm.Named("Rec")).__code__.co_filename.startswith("<graftcode encoder")
