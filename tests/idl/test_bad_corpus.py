"""Every file in tests/idl/bad/ must fail with exactly the diagnostics in its `.expected` file:
the `file:line:col: error: message` header, the source line and the caret, for every error.

To record the output of a new bad file, run with GRAFT_UPDATE_EXPECTED=1 and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from graftc import idl
from graftc.diagnostics import DiagnosticError, render_all

BAD = Path(__file__).resolve().parent / "bad"
CASES = sorted(BAD.glob("*.graft"))


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_file_gives_exact_diagnostics(path: Path) -> None:
    with pytest.raises(DiagnosticError) as info:
        idl.parse(path.read_text(encoding="utf-8"), path.name)
    actual = render_all(info.value.diagnostics) + "\n"
    expected_path = path.with_suffix(".expected")
    if os.environ.get("GRAFT_UPDATE_EXPECTED"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_diagnostics_are_sorted_and_carry_source(path: Path) -> None:
    with pytest.raises(DiagnosticError) as info:
        idl.parse(path.read_text(encoding="utf-8"), path.name)
    found = info.value.diagnostics
    assert [(d.line, d.column) for d in found] == sorted((d.line, d.column) for d in found)
    # Notes (`note: to match this '{'`) travel inside their error, so they may point earlier.
    for d in [*found, *(note for error in found for note in error.notes)]:
        assert d.file == path.name
        assert d.line > 0 and d.column > 0
        assert d.source_line is not None
    assert all(n.severity == "note" and not n.notes for d in found for n in d.notes)
