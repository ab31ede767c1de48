"""Unions, literal sets and tuples through `ValueCodec` (docs/protocol.md section 6.3.1): the
tagged union encoding of the `call_union_values` vector, member choice, refusals, defaults, and
the UGM JSON form of the new nodes."""

from __future__ import annotations

from typing import Any

import pytest
from graftcode_runtime import ugm
from graftcode_runtime.protocol._errors import InvalidValue
from graftcode_runtime.values import ValueCodec

from .vectorlib import from_json, load_vectors

P = ugm.Primitive
NUMBERS = ugm.UnionOf((P("float"), P("str"), P("int")))
UNIT = ugm.LiteralOf((ugm.StrLit("kg"), ugm.StrLit("lb")))
PAIR = ugm.TupleOf((P("int"), P("str")))
PICK = (
    ugm.Param("value", ugm.UnionOf((P("int"), P("str"), ugm.ListOf(P("int"))))),
    ugm.Param("unit", UNIT),
    ugm.Param("pair", PAIR),
    ugm.Param("maybe", ugm.Optional(ugm.UnionOf((P("int"), P("str"))))),
    ugm.Param("opt", ugm.Optional(P("int"))),
    ugm.Param("value2", ugm.UnionOf((P("int"), P("str"))), kind="keyword"),
)
CODEC = ValueCodec(ugm.Module("shop", "1.0.0"))


def test_the_vector_is_what_the_codec_sends() -> None:
    (vector,) = [v for v in load_vectors() if v["name"] == "call_union_values"]
    wire_args, wire_kwargs = from_json(vector["msgpack"])[6:8]
    args, kwargs = CODEC.args_to_wire(PICK, ([1, 2], "kg", (1, "a"), None, 7), {"value2": "x"})
    assert (args, kwargs) == (wire_args, wire_kwargs)
    values, named = CODEC.args_from_wire(PICK, wire_args, wire_kwargs)
    assert (values, named) == ([[1, 2], "kg", (1, "a"), None, 7], {"value2": "x"})


@pytest.mark.parametrize(
    ("value", "wire"),
    [(3, ["int", 3]), (2.5, ["float", 2.5]), ("x", ["str", "x"])],
)
def test_the_member_is_the_value_own_type_first(value: Any, wire: list[Any]) -> None:
    assert CODEC.to_wire(NUMBERS, value) == wire
    assert CODEC.from_wire(NUMBERS, wire) == value


@pytest.mark.parametrize(
    ("t", "wire", "message"),
    [
        (NUMBERS, 3, "expected a tagged union value [member, value] of float | str | int"),
        (NUMBERS, ["bool", True], "'bool' is not a member of float | str | int"),
        (NUMBERS, ["int", "3"], "expected int, got str"),
        (NUMBERS, ["int", 3, 4], "expected a tagged union value"),
        (UNIT, "oz", 'expected one of "kg" | "lb", got str outside the set'),
        (UNIT, 1, 'expected one of "kg" | "lb", got int outside the set'),
        (PAIR, [1], "expected tuple<int, str> (2 items), got 1 items"),
        (PAIR, [1, 2], "[1]: expected str, got int"),
    ],
)
def test_values_outside_the_type_are_refused(t: ugm.TypeRef, wire: Any, message: str) -> None:
    with pytest.raises(InvalidValue) as info:
        CODEC.from_wire(t, wire)
    assert message in str(info.value)


def test_a_value_matching_no_member_is_refused_when_sending() -> None:
    with pytest.raises(InvalidValue, match="matches no member"):
        CODEC.to_wire(ugm.UnionOf((P("int"), P("str"))), b"x")
    with pytest.raises(InvalidValue):
        CODEC.to_wire(UNIT, "oz")


def test_optional_union_and_defaults_stay_untagged_literals() -> None:
    assert CODEC.to_wire(ugm.Optional(NUMBERS), None) is None
    assert CODEC.default_value(ugm.IntLit(3), NUMBERS) == 3  # an int default stays an int
    assert CODEC.default_value(ugm.StrLit("lb"), UNIT) == "lb"
    assert CODEC.default_value(ugm.ListLit((ugm.IntLit(1), ugm.StrLit("a"))), PAIR) == (1, "a")


def test_new_nodes_round_trip_through_json_and_change_the_hash() -> None:
    def module(t: ugm.TypeRef) -> ugm.Module:
        method = ugm.Method("f", (ugm.Param("x", t),))
        return ugm.Module("m", "1.0.0", (ugm.Service("m", (method,)),))

    for t in (NUMBERS, UNIT, PAIR, ugm.Optional(ugm.UnionOf((P("int"), P("str"))))):
        assert ugm.loads(ugm.dumps(module(t))) == module(t)
    wider = ugm.UnionOf((*NUMBERS.members, P("bytes")))
    assert ugm.schema_hash(module(NUMBERS)) != ugm.schema_hash(module(wider))


def test_type_text_is_the_idl_spelling() -> None:
    assert ugm.type_text(ugm.Optional(NUMBERS)) == "float | str | int | none"
    assert ugm.type_text(ugm.ListOf(ugm.Optional(UNIT))) == 'list<"kg" | "lb" | none>'
    assert ugm.type_text(ugm.TupleOf((P("int"), ugm.Optional(P("str"))))) == "tuple<int, str?>"
