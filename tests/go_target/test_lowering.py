"""What the Go target refuses, and how: positioned diagnostics, and a clear error for a UGM
type node it has no mapping for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from graftc.diagnostics import DiagnosticError
from graftc.idl import parse
from graftc.targets import TargetOptions, get
from graftc.targets.go.types import Conversions, UnsupportedType
from graftcode_runtime import ugm


@dataclass(frozen=True)
class Future:  # a type node a later UGM may add
    span: ugm.Span | None = None


def test_an_unknown_type_node_names_itself_and_where_to_add_it() -> None:
    conversions = Conversions({}, lambda node, message: None)
    with pytest.raises(UnsupportedType, match=r"Future.*targets/go/types.py"):
        conversions.of(Future())  # type: ignore[arg-type]


def _build(text: str, tmp_path: Path) -> None:
    module = parse(text, "m.graft")
    options = TargetOptions(source=text, source_file="m.graft")
    get("go").generate(module, tmp_path, options)


def test_a_declaration_named_like_the_packages_own_names_is_refused(tmp_path: Path) -> None:
    text = 'module m version "1.0.0";\n\nrecord Client {\n    x: int;\n}\n'
    with pytest.raises(DiagnosticError) as e:
        _build(text, tmp_path)
    assert "m.graft:3:8" in str(e.value) and "Client" in str(e.value)
    assert not list(tmp_path.iterdir())  # nothing written


def test_two_names_that_spell_the_same_in_go_are_refused(tmp_path: Path) -> None:
    text = 'module m version "1.0.0";\n\nservice m {\n    fn get_x() -> int;\n    fn getX() -> int;\n}\n'
    with pytest.raises(DiagnosticError, match=r"'m.getX' and 'm.get_x'.*'GetX'"):
        _build(text, tmp_path)
