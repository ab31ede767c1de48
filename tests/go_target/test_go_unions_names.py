"""The Go names of unions, literal sets and tuples (targets/go/naming.py, decls.py): named after the
first place that uses them, grown inside containers, unchanged when a member or a literal is
added (a compatible wire change stays a compatible source change), never a declaration's name;
a name the package already uses elsewhere is a positioned error, not uncompilable Go."""

from __future__ import annotations

from pathlib import Path

import pytest
from graftc.diagnostics import DiagnosticError
from graftc.idl import parse
from graftc.targets import TargetOptions, get
from graftc.targets.go.lower import FIXED_NAMES, build_model
from graftc.targets.go.naming import names_of
from graftcode_runtime import ugm

HEAD = 'module m version "1.0.0";\n\n'


def _names(body: str) -> dict[str, str]:
    return {
        ugm.type_text(t): n for t, n in names_of(parse(HEAD + body, "m.graft"), FIXED_NAMES).items()
    }


def test_named_by_first_place_and_grown_inside_containers() -> None:
    names = _names(
        "record Reading {\n    value: int | str;\n}\n\n"
        "service m {\n"
        '    fn put(values: list<int | float>, table: map<str, "a" | "b">, '
        "pair: tuple<int, bool | str>) -> int | str;\n"
        "}\n"
    )
    assert names == {
        "int | str": "ReadingValue",  # the result reuses the record field's union
        "int | float": "PutValuesItem",
        '"a" | "b"': "PutTableValue",
        "tuple<int, bool | str>": "PutPair",
        "bool | str": "PutPairV1",
    }


def test_adding_a_member_or_a_literal_keeps_the_name() -> None:
    before = _names('service m {\n    fn f(x: int | str, u: "kg" | "lb") -> int;\n}\n')
    after = _names('service m {\n    fn f(x: int | str | float, u: "kg" | "lb" | "g") -> int;\n}\n')
    assert sorted(before.values()) == sorted(after.values()) == ["FU", "FX"]


def test_a_declarations_name_is_never_taken() -> None:
    names = _names(
        "record FX {\n    a: int;\n}\n\nservice m {\n    fn f(x: int | str) -> int;\n}\n"
    )
    assert names == {"int | str": "FX2"}


def test_a_clash_with_another_generated_name_is_a_positioned_error(tmp_path: Path) -> None:
    text = HEAD + "service m {\n    fn f(options: int | str = 1) -> int;\n}\n"
    module = parse(text, "m.graft")
    with pytest.raises(DiagnosticError, match="FOptions"):
        get("go").generate(module, tmp_path, TargetOptions(source=text, source_file="m.graft"))


def test_literal_constants_are_identifiers() -> None:
    module = parse(
        HEAD + 'service m {\n    fn f(u: "a-b" | "" | "7up", n: -1 | 2) -> int;\n}\n', "m.graft"
    )
    sets = {s.name: s.consts for s in build_model(module).literal_sets}
    assert sets["FU"] == (("FUAB", '"a-b"'), ("FUX", '""'), ("FUX7Up", '"7up"'))
    assert sets["FN"] == (("FNMinus1", "-1"), ("FN2", "2"))


def test_a_union_members_type_name_is_not_given_to_another_type() -> None:
    names = _names("service m {\n    fn f(x: int | str, x_int: bool | str) -> int;\n}\n")
    assert names == {"int | str": "FX", "bool | str": "FXInt2"}  # FXInt is x's member int
