"""The generated conversions at run time, without a gateway: records to and from wire maps
(defaults for absent fields, unknown fields ignored), checked reads, declared errors from a
RemoteError, and defaults of every kind."""

from __future__ import annotations

import datetime
import decimal
import importlib
import sys
import uuid
from collections.abc import Iterator
from types import ModuleType

import pytest
from graftc import idl
from graftcode_runtime import ProtocolError, RemoteError, StatusCode

from .support import FIXTURES, build


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    project = build(idl.load(FIXTURES / "edge.graft"), tmp_path_factory.mktemp("edge") / "p")
    sys.path.insert(0, str(project))
    try:
        yield importlib.import_module("graft_acme_edge")
    finally:
        sys.path.remove(str(project))


def test_record_round_trip_defaults_and_unknown_fields(edge: ModuleType) -> None:
    convert = importlib.import_module("graft_acme_edge._convert")
    d = edge.Defaults(required=3, tags=["z"], class_="k", id=9)
    wire = convert.defaults_to_wire(d)
    assert wire["class"] == "k" and wire["id"] == 9  # wire names are the IDL's
    assert wire["money"] == "1.50" and wire["day"] == "2024-02-29"
    assert wire["ident"] == "12345678-1234-5678-1234-567812345678"
    assert wire["level"] == 2
    assert convert.defaults_from_wire(wire) == d
    minimal = convert.defaults_from_wire({"required": 1, "added_later": True})
    assert minimal == edge.Defaults(required=1)
    assert minimal.at == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert minimal.money == decimal.Decimal("1.50")
    assert minimal.ident == uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert minimal.weights == {"x": 1.5}
    # each instance gets its own default list
    assert edge.Defaults(required=1).tags is not edge.Defaults(required=1).tags


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ({}, "record Defaults: the gateway sent no 'required'"),
        ({"required": "1"}, "expected int from the gateway, got str"),
        ({"required": True}, "expected int from the gateway, got bool"),
        ({"required": 1, "level": 7}, "7 is not a value of Level"),
        ({"required": 1, "money": "lots"}, "not a decimal"),
        ([1], "expected a Defaults map from the gateway, got list"),
        ({"required": 1.0}, "expected int from the gateway, got float"),
        ({"required": 1, "tags": "ab"}, "expected list from the gateway, got str"),
        ({"required": 1, "tags": ["a", 2]}, "expected str from the gateway, got int"),
        ({"required": 1, "weights": [1]}, "expected map from the gateway, got list"),
        ({"required": 1, "weights": {"x": "1"}}, "expected float from the gateway, got str"),
    ],
)
def test_unexpected_wire_values_are_protocol_errors(
    edge: ModuleType, wire: object, message: str
) -> None:
    convert = importlib.import_module("graft_acme_edge._convert")
    with pytest.raises(ProtocolError, match=message):
        convert.defaults_from_wire(wire)


def test_well_formed_values_are_read_without_copies_but_converted_where_needed(
    edge: ModuleType,
) -> None:
    """The inline type tests take exact types as they are and hand the rest to the checked
    readers: an int where a float is declared becomes a float, a tuple is an array."""
    convert = importlib.import_module("graft_acme_edge._convert")
    d = convert.defaults_from_wire({"required": 1, "tags": ("x", "y"), "weights": {"a": 2}})
    assert d.tags == ["x", "y"] and type(d.tags) is list
    assert d.weights == {"a": 2.0} and type(d.weights["a"]) is float


def test_declared_errors_from_remote_errors(edge: ModuleType) -> None:
    errors = importlib.import_module("graft_acme_edge._errors")
    remote = RemoteError(
        StatusCode.ABORTED,
        "bad leaf",
        type_name="acme.edge.Leaf",
        fields={"code": 4, "where": "here", "type": "t"},
    )
    leaf = errors.from_remote(remote)
    assert isinstance(leaf, edge.Leaf) and isinstance(leaf, edge.Base)
    assert (leaf.code, leaf.detail, leaf.where, leaf.type_, leaf.hint) == (4, "", "here", "t", None)
    assert leaf.message == "bad leaf" and str(leaf) == "bad leaf"
    assert errors.from_remote(RemoteError(StatusCode.ABORTED, "?", type_name="Other")) is None
    broken = RemoteError(StatusCode.ABORTED, "?", type_name="Leaf", fields={"code": "x"})
    assert errors.from_remote(broken) is None  # the caller gets the RemoteError itself
    assert errors.from_remote(ValueError("local")) is None


def test_error_constructors_are_usable_in_caller_code(edge: ModuleType) -> None:
    with pytest.raises(edge.Middle) as info:
        raise edge.Middle(code=1, where="w", message="m")
    assert (info.value.code, info.value.where, str(info.value)) == (1, "w", "m")
