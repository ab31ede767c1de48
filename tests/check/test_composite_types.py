"""`graftc check` on unions, literal sets and tuples: direction and the wire/source split."""

from __future__ import annotations

import pytest
from graftc.check import SOURCE, WIRE, compare
from graftc.idl import parse
from graftcode_runtime import ugm as u


def module(param: str, returns: str, version: str) -> u.Module:
    return parse(
        f'module shop version "{version}";\n'
        f"service shop {{ fn put(x: {param}); fn get() -> {returns}; }}\n"
    )


def findings(old: tuple[str, str], new: tuple[str, str]) -> dict[str, set[str]]:
    r = compare(module(*old, "1.0.0"), module(*new, "2.0.0"))
    return {f.rule.id: set(f.cats) for f in r.findings}


@pytest.mark.parametrize(
    ("old", "new", "cats"),
    [
        # parameters: callers send values, so the gateway must accept everything they sent
        ("int | str", "int | str | bytes", None),  # member added
        ("int | str | bytes", "int | str", {WIRE, SOURCE}),  # member removed
        ("int | str", "str | int", None),  # order is not part of the tag
        ("int | list<int>", "int | list<float>", {WIRE}),  # the member's tag changed
        ("int", "int | str", {WIRE}),  # a plain value is not a tagged one
        ("int | str", "int | str | none", None),  # `?` stays untagged
        ('"a" | "b"', '"a" | "b" | "c"', None),  # literal added
        ('"a" | "b"', '"a"', {WIRE, SOURCE}),  # literal removed
        ('"a" | "b"', "str", None),  # widened to its kind
        ("tuple<int, str>", "tuple<float, str>", None),
        ("tuple<int, str>", "tuple<int, str, int>", {WIRE, SOURCE}),
        ("tuple<int, str>", "list<int>", {WIRE, SOURCE}),
    ],
)
def test_parameter_changes(old: str, new: str, cats: set[str] | None) -> None:
    got = findings((old, "int"), (new, "int")).get("PARAM_TYPE_CHANGED")
    assert got == cats


@pytest.mark.parametrize(
    ("old", "new", "cats"),
    [
        # results: callers receive values, so every value the gateway may send must decode
        ("int | str", "int | str | bytes", {WIRE, SOURCE}),  # member added
        ("int | str | bytes", "int | str", None),  # member removed
        ('"a" | "b"', '"a" | "b" | "c"', {WIRE, SOURCE}),  # literal added
        ('"a" | "b" | "c"', '"a"', None),  # literal removed
        ('"a" | "b"', "str", {WIRE, SOURCE}),  # any str may now come back
        ("tuple<int, str>", "tuple<int, str>?", {WIRE, SOURCE}),
    ],
)
def test_return_changes(old: str, new: str, cats: set[str] | None) -> None:
    got = findings(("int", old), ("int", new)).get("METHOD_RETURN_TYPE_CHANGED")
    assert got == cats
