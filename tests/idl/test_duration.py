"""The `duration` primitive in the IDL: it parses and prints back, takes no literal default,
`timedelta` is suggested for it, and `graftc check` calls changing to or from it breaking."""

from __future__ import annotations

import pytest
from graftc.check import SOURCE, WIRE, compare
from graftc.diagnostics import DiagnosticError
from graftc.idl import parse, print_module
from graftcode_runtime import ugm

SOURCE_TEXT = """module timers version "1.0.0";

record Timer {
    every: duration;
    limit: duration? = none;
}

service timers {
    fn wait(span: duration, by: duration | float) -> list<duration>;
}
"""


def test_duration_parses_and_prints_back() -> None:
    module = parse(SOURCE_TEXT)
    timer = module.find("Timer")
    assert isinstance(timer, ugm.Record)
    assert timer.fields[0].type == ugm.Primitive("duration")
    assert print_module(module) == SOURCE_TEXT
    assert parse(print_module(module)) == module


@pytest.mark.parametrize("default", ["90", '"PT90S"', "1.5"])
def test_a_duration_has_no_literal_default(default: str) -> None:
    with pytest.raises(DiagnosticError) as info:
        parse(SOURCE_TEXT.replace("every: duration;", f"every: duration = {default};"))
    assert "does not fit" in str(info.value) or "duration" in str(info.value)


def test_timedelta_is_spelled_duration() -> None:
    with pytest.raises(DiagnosticError) as info:
        parse(SOURCE_TEXT.replace("every: duration;", "every: timedelta;"))
    assert "duration" in str(info.value)


def _module(param: str, version: str) -> ugm.Module:
    return parse(f'module t version "{version}";\nservice t {{ fn put(x: {param}); }}\n')


@pytest.mark.parametrize(
    ("old", "new"), [("int", "duration"), ("duration", "int"), ("duration", "float")]
)
def test_changing_to_or_from_duration_is_breaking(old: str, new: str) -> None:
    found = compare(_module(old, "1.0.0"), _module(new, "2.0.0")).findings
    cats = {c for f in found if f.rule.id == "PARAM_TYPE_CHANGED" for c in f.cats}
    assert cats & {WIRE, SOURCE}
