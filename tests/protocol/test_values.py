"""ValueCodec: conversions both ways for every UGM type, and errors that say where."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import msgpack
import pytest
from graftcode_runtime import ugm
from graftcode_runtime.protocol._errors import InvalidValue, StatusCode
from graftcode_runtime.protocol._events import InstanceRef
from graftcode_runtime.values._codec import ValueCodec

P = ugm.Primitive
N = ugm.Named


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Item:
    sku: str
    quantity: int
    price: Decimal


@dataclasses.dataclass
class Basket:
    items: list[Item]
    color: Color
    tags: list[str]
    level: Level = Level.LOW
    note: str | None = None


@dataclasses.dataclass
class Node:
    label: str
    children: list[Node]


class ShopError(Exception):
    pass


class OutOfStock(ShopError):
    def __init__(self, sku: str, available: int) -> None:
        super().__init__(f"{sku}: only {available} left")
        self.sku = sku
        self.available = available


class Legacy(ShopError):
    """An exception whose __init__ does not take its fields by name."""

    def __init__(self, *parts: str) -> None:
        super().__init__(" ".join(parts))
        self.code = 0


class Cart:
    pass


MODULE = ugm.Module(
    "shop",
    "1.0.0",
    (
        ugm.Enum("Color", (ugm.EnumMember("RED", "red"), ugm.EnumMember("BLUE", "blue"))),
        ugm.Enum("Level", (ugm.EnumMember("LOW", 1), ugm.EnumMember("HIGH", 2))),
        ugm.Record(
            "Item",
            (
                ugm.Field("sku", P("str")),
                ugm.Field("quantity", P("int")),
                ugm.Field("price", P("decimal")),
            ),
        ),
        ugm.Record(
            "Basket",
            (
                ugm.Field("items", ugm.ListOf(N("Item"))),
                ugm.Field("color", N("Color"), ugm.EnumLit("Color", "RED")),
                ugm.Field("tags", ugm.ListOf(P("str")), ugm.ListLit(())),
                ugm.Field("level", N("Level"), ugm.EnumLit("Level", "LOW")),
                ugm.Field("note", ugm.Optional(P("str")), ugm.NoneLit()),
            ),
        ),
        ugm.Record(
            "Node",
            (
                ugm.Field("label", P("str")),
                ugm.Field("children", ugm.ListOf(N("Node")), ugm.ListLit(())),
            ),
        ),
        ugm.Error("ShopError"),
        ugm.Error(
            "OutOfStock",
            (ugm.Field("sku", P("str")), ugm.Field("available", P("int"))),
            base="ShopError",
        ),
        ugm.Error("Legacy", (ugm.Field("code", P("int"), ugm.IntLit(0)),), base="ShopError"),
        ugm.Class("Cart"),
        ugm.Service(
            "shop",
            (
                ugm.Method(
                    "search",
                    (
                        ugm.Param("query", P("str"), kind="positional"),
                        ugm.Param("limit", P("int"), ugm.IntLit(10)),
                        ugm.Param("color", ugm.Optional(N("Color")), ugm.NoneLit()),
                        ugm.Param("strict", P("bool"), ugm.BoolLit(False), kind="keyword"),
                        ugm.Param("tag", P("str"), kind="keyword"),
                    ),
                ),
                ugm.Method("add", (ugm.Param("a", P("int")), ugm.Param("b", P("int")))),
            ),
        ),
    ),
)
TYPES: dict[str, type] = {
    "Color": Color,
    "Level": Level,
    "Item": Item,
    "Basket": Basket,
    "Node": Node,
    "ShopError": ShopError,
    "OutOfStock": OutOfStock,
    "Legacy": Legacy,
    "Cart": Cart,
}


@pytest.fixture
def codec() -> ValueCodec:
    return ValueCodec(MODULE, TYPES)


def method(name: str) -> ugm.Method:
    svc = MODULE.find("shop")
    assert isinstance(svc, ugm.Service)
    return next(m for m in svc.methods if m.name == name)


def roundtrip_msgpack(v: Any) -> Any:
    return msgpack.unpackb(msgpack.packb(v), strict_map_key=False)


# ------------------------------------------------------------------------- primitives


@pytest.mark.parametrize(
    ("t", "py", "wire"),
    [
        ("bool", True, True),
        ("int", -(2**63), -(2**63)),
        ("float", 1.5, 1.5),
        ("str", "héllo", "héllo"),
        ("bytes", b"\x00\xff", b"\x00\xff"),
        ("none", None, None),
        ("date", dt.date(2026, 11, 23), "2026-11-23"),
        ("datetime", dt.datetime(2026, 11, 23, 1, 2, 3, 4000), "2026-11-23T01:02:03.004000"),
        (
            "datetime",
            dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            "2026-01-02T03:04:05+00:00",
        ),
        ("time", dt.time(12, 30), "12:30:00"),
        ("decimal", Decimal("12.50"), "12.50"),
        ("decimal", Decimal("1E+3"), "1E+3"),
        (
            "uuid",
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "12345678-1234-5678-1234-567812345678",
        ),
    ],
)
def test_primitives_both_ways(codec: ValueCodec, t: Any, py: Any, wire: Any) -> None:
    assert codec.to_wire(P(t), py) == wire
    back = codec.from_wire(P(t), roundtrip_msgpack(wire))
    assert back == py and type(back) is type(py)


@pytest.mark.parametrize(
    ("t", "wire", "message"),
    [
        ("int", True, "expected int, got bool"),
        ("int", 1.0, "expected int, got float"),
        ("int", "1", "expected int, got str"),
        ("bool", 1, "expected bool, got int"),
        ("float", "1.5", "expected float, got str"),
        ("str", b"x", "expected str, got bytes"),
        ("bytes", "x", "expected bytes, got str"),
        ("none", 0, "expected none, got int"),
        ("date", "23/11/2026", "expected date (ISO 8601 YYYY-MM-DD), got '23/11/2026'"),
        ("date", 20261123, "expected date (ISO 8601 YYYY-MM-DD) (a string), got int"),
        ("decimal", 1.5, "expected decimal (a string), got float"),
        ("decimal", "abc", "expected decimal, got 'abc'"),
        ("uuid", "not-a-uuid", "expected uuid, got 'not-a-uuid'"),
        ("time", "25:00", "expected time (ISO 8601 HH:MM:SS), got '25:00'"),
    ],
)
def test_primitive_errors(codec: ValueCodec, t: Any, wire: Any, message: str) -> None:
    with pytest.raises(InvalidValue) as info:
        codec.from_wire(P(t), wire)
    assert str(info.value) == message
    assert info.value.code is StatusCode.INVALID_ARGUMENT


def test_float_accepts_int_because_javascript_cannot_tell(codec: ValueCodec) -> None:
    v = codec.from_wire(P("float"), 3)
    assert v == 3.0 and type(v) is float
    assert type(codec.to_wire(P("float"), 3)) is float


def test_int_range_is_64_bit(codec: ValueCodec) -> None:
    with pytest.raises(InvalidValue, match="64-bit"):
        codec.to_wire(P("int"), 2**63)


def test_decimal_refuses_floats_on_the_way_out(codec: ValueCodec) -> None:
    with pytest.raises(InvalidValue):
        codec.to_wire(P("decimal"), 0.1)
    assert codec.to_wire(P("decimal"), 3) == "3"


def test_a_msgpack_timestamp_is_rejected_as_a_wrong_type(codec: ValueCodec) -> None:
    ts = msgpack.unpackb(msgpack.packb(msgpack.Timestamp(0)))
    with pytest.raises(InvalidValue, match="expected int, got Timestamp"):
        codec.from_wire(P("int"), ts)


# ---------------------------------------------------------------- containers and paths


def test_list_and_map_paths(codec: ValueCodec) -> None:
    t = ugm.MapOf(P("str"), ugm.ListOf(P("int")))
    assert codec.from_wire(t, {"a": [1, 2]}) == {"a": [1, 2]}
    with pytest.raises(InvalidValue) as info:
        codec.from_wire(t, {"a": [1, 2], "b": [3, "x"]})
    assert str(info.value) == '["b"][1]: expected int, got str'
    assert info.value.path == '["b"][1]'
    with pytest.raises(InvalidValue, match=r"^\[7\]: expected str key, got int$"):
        codec.from_wire(t, {7: []})
    with pytest.raises(InvalidValue, match="expected list"):
        codec.from_wire(ugm.ListOf(P("int")), {"a": 1})


def test_int_keyed_maps(codec: ValueCodec) -> None:
    t = ugm.MapOf(P("int"), P("str"))
    wire = codec.to_wire(t, {1: "one", 2: "two"})
    assert codec.from_wire(t, roundtrip_msgpack(wire)) == {1: "one", 2: "two"}


def test_optional(codec: ValueCodec) -> None:
    t = ugm.Optional(P("int"))
    assert codec.from_wire(t, None) is None
    assert codec.from_wire(t, 4) == 4
    with pytest.raises(InvalidValue):
        codec.from_wire(t, "4")


# ---------------------------------------------------------------------------- records


def test_record_by_name_with_defaults_filled_in(codec: ValueCodec) -> None:
    basket = codec.from_wire(N("Basket"), {"items": [{"sku": "a", "quantity": 1, "price": "2"}]})
    assert basket == Basket([Item("a", 1, Decimal(2))], Color.RED, [], Level.LOW, None)
    assert type(basket.color) is Color and type(basket.level) is Level
    # A default list is a fresh object each time.
    again = codec.from_wire(N("Basket"), {"items": []})
    assert again.tags == [] and again.tags is not basket.tags


def test_record_ignores_unknown_fields(codec: ValueCodec) -> None:
    wire = {"sku": "a", "quantity": 1, "price": "2", "added_in_v2": {"x": [1]}}
    assert codec.from_wire(N("Item"), wire) == Item("a", 1, Decimal(2))


def test_record_to_wire_from_dataclass_or_dict(codec: ValueCodec) -> None:
    b = Basket([Item("a", 2, Decimal("1.10"))], Color.BLUE, ["x"], Level.HIGH, "n")
    wire = codec.to_wire(N("Basket"), b)
    assert wire == {
        "items": [{"sku": "a", "quantity": 2, "price": "1.10"}],
        "color": "blue",
        "tags": ["x"],
        "level": 2,
        "note": "n",
    }
    assert type(wire["color"]) is str and type(wire["level"]) is int
    assert codec.from_wire(N("Basket"), roundtrip_msgpack(wire)) == b
    # A dict works too, and absent defaulted fields are left for the receiver to fill in.
    assert codec.to_wire(N("Basket"), {"items": []}) == {"items": []}


def test_path_precise_record_errors(codec: ValueCodec) -> None:
    items = [{"sku": "a", "quantity": 1, "price": "1"} for _ in range(3)]
    items[2]["quantity"] = "3"
    with pytest.raises(InvalidValue) as info:
        codec.from_wire(N("Basket"), {"items": items})
    assert str(info.value) == "items[2].quantity: expected int, got str"
    with pytest.raises(InvalidValue) as info:
        codec.from_wire(N("Basket"), {"items": [{"sku": "a", "price": "1"}]})
    assert str(info.value) == "items[0]: missing field 'quantity' of Item"
    with pytest.raises(InvalidValue) as info:
        codec.from_wire(N("Basket"), {"items": [], "color": "green"})
    assert str(info.value) == "color: expected Color value (one of 'red', 'blue'), got 'green'"
    with pytest.raises(InvalidValue, match=r"^expected Item \(a map of fields\), got list$"):
        codec.from_wire(N("Item"), [])


def test_recursive_record(codec: ValueCodec) -> None:
    wire = {"label": "a", "children": [{"label": "b"}, {"label": "c", "children": [{"label": 1}]}]}
    with pytest.raises(InvalidValue) as info:
        codec.from_wire(N("Node"), wire)
    assert str(info.value) == "children[1].children[0].label: expected str, got int"
    tree = Node("a", [Node("b", [])])
    assert codec.from_wire(N("Node"), codec.to_wire(N("Node"), tree)) == tree


def test_records_without_python_classes_are_dicts() -> None:
    codec = ValueCodec(MODULE)
    v = codec.from_wire(N("Basket"), {"items": [{"sku": "a", "quantity": 1, "price": "2"}]})
    assert v == {
        "items": [{"sku": "a", "quantity": 1, "price": Decimal(2)}],
        "color": "red",
        "tags": [],
        "level": 1,
        "note": None,
    }


# ------------------------------------------------------------------------------ enums


def test_enums_by_value(codec: ValueCodec) -> None:
    assert codec.from_wire(N("Level"), 2) is Level.HIGH
    assert codec.to_wire(N("Level"), Level.HIGH) == 2
    assert codec.to_wire(N("Color"), "blue") == "blue"
    for bad in (3, True, "2", 2.0):
        with pytest.raises(InvalidValue):
            codec.from_wire(N("Level"), bad)
    with pytest.raises(InvalidValue):
        codec.to_wire(N("Color"), "green")


# -------------------------------------------------------------------------- instances


class Table:
    def __init__(self) -> None:
        self.objects: dict[int, Any] = {}

    def to_ref(self, obj: Any, class_name: str) -> InstanceRef:
        self.objects[len(self.objects) + 1] = obj
        return InstanceRef(len(self.objects), class_name)

    def from_ref(self, ref: InstanceRef, class_name: str) -> Any:
        return self.objects[ref.id]


def test_instances_through_hooks(codec: ValueCodec) -> None:
    table = Table()
    cart = Cart()
    ref = codec.to_wire(N("Cart"), cart, instances=table)
    assert ref == InstanceRef(1, "Cart") and ref.class_name == "Cart"
    assert codec.from_wire(N("Cart"), ref, instances=table) is cart
    # Without hooks, references pass through as they are.
    assert codec.from_wire(N("Cart"), ref) is ref
    assert codec.to_wire(N("Cart"), ref) is ref

    class Proxy:
        __graft_ref__ = InstanceRef(9, "Cart")

    assert codec.to_wire(N("Cart"), Proxy()) == InstanceRef(9)
    with pytest.raises(InvalidValue, match="expected Cart instance reference, got map"):
        codec.from_wire(N("Cart"), {"id": 1})
    with pytest.raises(InvalidValue, match="expected Cart instance"):
        codec.to_wire(N("Cart"), object(), instances=table)


# -------------------------------------------------------------------------- arguments


def test_args_bind_like_python(codec: ValueCodec) -> None:
    search = method("search").params
    pos, kw = codec.args_from_wire(search, ["q", 5], {"color": "red", "tag": "t"})
    assert pos == ["q", 5] and kw == {"color": Color.RED, "tag": "t"}
    pos, kw = codec.args_from_wire(search, ["q"], {"tag": "t", "strict": True, "limit": 3})
    assert pos == ["q"] and kw == {"tag": "t", "strict": True, "limit": 3}
    add = method("add").params
    assert codec.args_from_wire(add, [1, 2], {}) == ([1, 2], {})
    assert codec.args_to_wire(add, [1], {"b": 2}) == ([1], {"b": 2})


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (["q", 1, None, 4], {"tag": "t"}, "takes 3 positional arguments but 4 were given"),
        (["q"], {"tag": "t", "limt": 2}, "unexpected keyword argument 'limt'"),
        ([], {"query": "q", "tag": "t"}, "positional-only argument 'query' passed by keyword"),
        (["q", 1], {"limit": 2, "tag": "t"}, "got multiple values for argument 'limit'"),
        (["q"], {}, "missing required argument 'tag'"),
        ([], {"tag": "t"}, "missing required argument 'query'"),
        (["q", "ten"], {"tag": "t"}, "limit: expected int, got str"),
        (["q"], {"tag": "t", "color": "green"}, "color: expected Color value"),
    ],
)
def test_argument_errors(codec: ValueCodec, args: list[Any], kwargs: Any, message: str) -> None:
    with pytest.raises(InvalidValue) as info:
        codec.args_from_wire(method("search").params, args, kwargs)
    assert str(info.value).startswith(message)
    assert info.value.code is StatusCode.INVALID_ARGUMENT


def test_argument_path_into_a_record(codec: ValueCodec) -> None:
    params = (ugm.Param("items", ugm.ListOf(N("Item"))),)
    items = [{"sku": "a", "quantity": 1, "price": "1"}] * 2 + [
        {"sku": "a", "quantity": "1", "price": "1"}
    ]
    with pytest.raises(InvalidValue) as info:
        codec.args_from_wire(params, [items], {})
    assert str(info.value) == "items[2].quantity: expected int, got str"


# ----------------------------------------------------------------------------- errors


def test_application_errors_both_ways(codec: ValueCodec) -> None:
    assert codec.error_to_wire(OutOfStock("B-1", 2)) == (
        "OutOfStock",
        {"sku": "B-1", "available": 2},
    )

    class Subclass(OutOfStock):
        pass

    # An undeclared subclass travels as its nearest declared error.
    assert codec.error_to_wire(Subclass("x", 1)) == ("OutOfStock", {"sku": "x", "available": 1})
    assert codec.error_to_wire(ShopError("boom")) == ("ShopError", {})
    assert codec.error_to_wire(ValueError("no")) is None
    exc = codec.error_from_wire("OutOfStock", {"sku": "B-1", "available": 2}, "msg")
    assert isinstance(exc, OutOfStock) and exc.available == 2 and exc.sku == "B-1"
    legacy = codec.error_from_wire("Legacy", {"code": 7}, "it broke")
    assert isinstance(legacy, Legacy) and legacy.code == 7 and str(legacy) == "it broke"
    assert codec.error_from_wire("Unknown", {}, "") is None
    with pytest.raises(InvalidValue, match="available: expected int"):
        codec.error_from_wire("OutOfStock", {"sku": "B-1", "available": "2"}, "")


def test_any_object_with_the_fields_is_a_record(codec: ValueCodec) -> None:
    from typing import NamedTuple

    class ItemTuple(NamedTuple):
        sku: str
        quantity: int
        price: Decimal

    assert codec.to_wire(N("Item"), ItemTuple("a", 1, Decimal(1))) == {
        "sku": "a",
        "quantity": 1,
        "price": "1",
    }
    with pytest.raises(InvalidValue, match=r"expected Item \(a record\), got list"):
        codec.to_wire(N("Item"), ["a", 1, "1"])


def test_cycles_and_deep_values_are_errors_not_crashes(codec: ValueCodec) -> None:
    cyclic: dict[str, Any] = {"label": "a"}
    cyclic["children"] = [cyclic]
    with pytest.raises(InvalidValue, match="nests too deeply"):
        codec.to_wire(N("Node"), cyclic)
    deep: dict[str, Any] = {"label": "x", "children": []}
    for _ in range(5000):
        deep = {"label": "x", "children": [deep]}
    with pytest.raises(InvalidValue, match="nests too deeply"):
        codec.from_wire(N("Node"), deep)


def test_a_cyclic_record_object_is_too_deep_at_once(codec: ValueCodec) -> None:
    # instances of the declared class take the one-pass encoder, which falls back to the
    # general converters on an error; a RecursionError must not be retried level by level
    # (that doubled the work per level: minutes, not milliseconds)
    node = Node("a", [])
    node.children.append(node)
    with pytest.raises(InvalidValue, match="nests too deeply"):
        codec.to_wire(N("Node"), node)
    deep = Node("x", [])
    for _ in range(5000):
        deep = Node("x", [deep])
    with pytest.raises(InvalidValue, match="nests too deeply"):
        codec.to_wire(N("Node"), deep)
