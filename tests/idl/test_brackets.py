"""Unbalanced braces in syntax errors: the note at the unclosed `{`, a declaration that starts
inside another, and a `}` with nothing to close. tests/idl/bad/syntax_unclosed_*.graft and
syntax_extra_brace.graft hold the full renderings; these pin down the structure around them."""

from __future__ import annotations

from pathlib import Path

import pytest
from graftc import idl
from graftc.cli import main
from graftc.diagnostics import Diagnostic, DiagnosticError

HEADER = 'module shop version "1.0.0";\n'


def _errors(text: str) -> tuple[Diagnostic, ...]:
    with pytest.raises(DiagnosticError) as info:
        idl.parse(text, "s.graft")
    return info.value.diagnostics


def test_the_note_belongs_to_its_error() -> None:
    (error,) = _errors(HEADER + "record Product {\n    name: str;\n\nservice shop {\n}\n")
    assert error.header() == (
        "s.graft:5:1: error: missing '}' to close record 'Product' before service 'shop'"
    )
    (note,) = error.notes
    assert note.severity == "note"
    assert note.header() == "s.graft:2:16: note: to match this '{'"
    assert note.source_line == "record Product {"
    assert error.render().endswith(
        "s.graft:2:16: note: to match this '{'\n    record Product {\n                   ^"
    )


def test_an_unclosed_brace_at_the_end_of_the_file_is_noted() -> None:
    (error,) = _errors(HEADER + "service S {\n    fn m();\n")
    assert error.message.startswith("unexpected end of file")
    assert [n.header() for n in error.notes] == ["s.graft:2:11: note: to match this '{'"]


def test_parsing_resumes_at_the_declaration_that_was_reached() -> None:
    text = HEADER + "enum E {\n    A = 1;\nrecord R {\n    x: ;\n}\n"
    found = _errors(text)
    assert [d.header() for d in found] == [
        "s.graft:4:1: error: missing '}' to close enum 'E' before record 'R'",
        "s.graft:5:8: error: unexpected ';', expected a type",
    ]


def test_keywords_used_as_member_names_are_not_declarations() -> None:
    ok = HEADER + "record R {\nservice: str;\nrecord: int;\nerror: bool;\n}\n"
    assert [f.name for f in idl.parse(ok).decls[0].fields] == ["service", "record", "error"]  # type: ignore[attr-defined]
    # A field named like a keyword with its `;` missing is a missing `;`, not a missing `}`.
    (error,) = _errors(HEADER + "record R {\nrecord: int\ny: int;\n}\n")
    assert error.message == "missing ';' (before name 'y' on line 4)"
    assert error.notes == ()


def test_a_stray_closing_brace_names_what_was_closed() -> None:
    (error,) = _errors(HEADER + "record A {\n    x: int;\n}}\n")
    assert (
        error.header() == "s.graft:4:2: error: unexpected '}': there is no open '{' for it to close"
    )
    assert [n.header() for n in error.notes] == [
        "s.graft:4:1: note: record 'A' is already closed here"
    ]


def test_recovery_from_unclosed_braces_is_capped() -> None:
    found = _errors(HEADER + "record A {\n    x: int;\n" * 80)
    assert len(found) == 51
    assert [d.line for d in found[:3]] == [4, 6, 8]
    assert all(len(d.notes) == 1 for d in found[:-1])


def test_notes_do_not_count_as_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "s.graft"
    f.write_text(HEADER + "record A {\n    x: int;\n", encoding="utf-8")
    assert main(["parse", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:2:10: note: to match this '{{'\n    record A {{\n             ^\n" in err
    assert "1 error(s) in 1 file(s)" in err
