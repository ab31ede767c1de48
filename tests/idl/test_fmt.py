"""`graftc fmt`: canonical output that keeps plain comments, golden pairs in tests/idl/fmt/."""

from __future__ import annotations

from pathlib import Path

import pytest
from graftc import idl
from graftc.cli import main
from graftc.diagnostics import DiagnosticError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAIRS = sorted(HERE.glob("fmt/*.in.graft"))
SKETCH = ROOT / "docs" / "idl-sketch.graft"


@pytest.mark.parametrize("source", PAIRS, ids=[p.name.split(".")[0] for p in PAIRS])
def test_fmt_golden(source: Path) -> None:
    expected = source.with_name(source.name.replace(".in.", ".out.")).read_text(encoding="utf-8")
    formatted = idl.format_source(source.read_text(encoding="utf-8"), source.name)
    assert formatted == expected
    assert idl.format_source(formatted) == formatted  # idempotent
    # Comments aside, fmt and print_module agree on the model.
    assert idl.parse(formatted) == idl.parse(source.read_text(encoding="utf-8"))


def test_sketch_is_canonical() -> None:
    text = SKETCH.read_text(encoding="utf-8")
    assert idl.format_source(text, str(SKETCH)) == text


def test_blank_lines_between_members_are_kept_but_collapsed() -> None:
    text = (
        'module m version "1.0.0";\n\nservice s {\n    fn a();\n\n\n\n    fn b();\n    fn c();\n}\n'
    )
    assert idl.format_source(text) == (
        'module m version "1.0.0";\n\nservice s {\n    fn a();\n\n    fn b();\n    fn c();\n}\n'
    )


def test_blank_line_at_body_start_is_dropped() -> None:
    text = 'module m version "1.0.0";\n\nrecord R {\n\n    a: int;\n\n}\n'
    assert idl.format_source(text) == 'module m version "1.0.0";\n\nrecord R {\n    a: int;\n}\n'


def test_class_members_are_grouped_with_their_comments() -> None:
    text = (
        'module m version "1.0.0";\n\nclass K {\n    // the size\n    prop size: int;\n'
        "    fn grow(); // grows\n    constructor();\n}\n"
    )
    assert idl.format_source(text) == (
        'module m version "1.0.0";\n\nclass K {\n    constructor();\n    fn grow(); // grows\n'
        "    // the size\n    prop size: int;\n}\n"
    )


def test_file_without_trailing_newline_and_with_crlf() -> None:
    text = 'module m version "1.0.0";\r\n// c\r\nrecord R {\r\n    a: int;\r\n}'
    assert (
        idl.format_source(text) == 'module m version "1.0.0";\n\n// c\nrecord R {\n    a: int;\n}\n'
    )


def test_broken_file_is_an_error_not_a_rewrite() -> None:
    with pytest.raises(DiagnosticError):
        idl.format_source('module m version "1.0.0";\nrecord {')


def test_cli_check_reports_diff_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "x.graft"
    f.write_text('module m   version "1.0.0";\n', encoding="utf-8")
    assert main(["fmt", "--check", str(f)]) == 1
    out, err = capsys.readouterr()
    assert '-module m   version "1.0.0";' in out
    assert '+module m version "1.0.0";' in out
    assert "1 file(s) would be reformatted" in err
    assert f.read_text(encoding="utf-8") == 'module m   version "1.0.0";\n'  # untouched


def test_cli_rewrites_in_place_then_check_passes(tmp_path: Path) -> None:
    f = tmp_path / "x.graft"
    f.write_text('module m   version "1.0.0";\n', encoding="utf-8")
    assert main(["fmt", str(f)]) == 0
    assert f.read_text(encoding="utf-8") == 'module m version "1.0.0";\n'
    assert main(["fmt", "--check", str(f)]) == 0


def test_cli_rewrites_the_target_of_a_symlink_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.graft"
    real.write_text('module m   version "1.0.0";\n', encoding="utf-8")
    link = tmp_path / "link.graft"
    link.symlink_to(real.name)
    assert main(["fmt", str(link)]) == 0
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == 'module m version "1.0.0";\n'


def test_cli_fmt_errors_leave_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "bad.graft"
    f.write_text('module m version "1.0.0";\nrecord R { a: Nope; }\n', encoding="utf-8")
    assert main(["fmt", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:2:15: error: unknown type 'Nope'" in err
    assert f.read_text(encoding="utf-8") == 'module m version "1.0.0";\nrecord R { a: Nope; }\n'


def test_cli_check_passes_on_every_example_graft() -> None:
    files = [str(SKETCH)] + [str(p) for p in HERE.glob("fmt/*.out.graft")]
    assert main(["fmt", "--check", *files]) == 0


ROOT = HERE.parent.parent
# Deliberately broken or non-canonical inputs, and build output the tests write.
_NOT_CANONICAL = ("tests/idl/bad/", "tests/idl/fmt/", "node_modules/", ".venv/", "/.")


def test_every_graft_file_in_the_repository_is_canonical() -> None:
    """Examples, goldens, the check corpus, docs: whatever is committed reads canonically."""
    files = sorted(
        str(p)
        for p in ROOT.rglob("*.graft")
        if not any(part in "/" + p.relative_to(ROOT).as_posix() for part in _NOT_CANONICAL)
    )
    assert len(files) > 50
    assert main(["fmt", "--check", *files]) == 0


def test_cli_a_file_that_cannot_be_rewritten_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tempfile

    f = tmp_path / "x.graft"
    f.write_text('module m   version "1.0.0";\n', encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main(["fmt", str(f)]) == 1
    assert f"{f}: error: cannot rewrite: Permission denied" in capsys.readouterr().err
    assert f.read_text(encoding="utf-8") == 'module m   version "1.0.0";\n'
