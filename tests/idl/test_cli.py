"""`graftc parse`: validation, exit codes and JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graftc.cli import main
from graftcode_runtime import ugm

ROOT = Path(__file__).resolve().parents[2]
SKETCH = ROOT / "docs" / "idl-sketch.graft"


def test_parse_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SKETCH)]) == 0
    assert "ok (module shop 1.2.0, 11 declarations)" in capsys.readouterr().out


def test_parse_json_is_the_ugm(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--json", str(SKETCH)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == ugm.SCHEMA_VERSION
    module = ugm.from_json(data)
    assert module.name == "shop"
    assert module.span is not None and module.span.file == str(SKETCH)


def test_parse_json_of_several_files_is_keyed_by_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "o.graft"
    other.write_text('module o version "0.1.0";\n', encoding="utf-8")
    assert main(["parse", "--json", "--no-spans", str(SKETCH), str(other)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {str(SKETCH), str(other)}
    assert "span" not in data[str(other)]["module"]


def test_parse_reports_every_file_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = tmp_path / "a.graft"
    a.write_text('module a version "1.0.0";\nrecord R { x: Nope; }\n', encoding="utf-8")
    b = tmp_path / "b.graft"
    b.write_text("module b\n", encoding="utf-8")
    assert main(["parse", str(a), str(b), str(tmp_path / "missing.graft")]) == 1
    err = capsys.readouterr().err
    assert (
        f"{a}:2:15: error: unknown type 'Nope'\n    record R {{ x: Nope; }}\n                  ^~~~"
        in err
    )
    assert f"{b}:1:9: error: unexpected end of file, expected '.' or 'version'" in err
    assert f"{tmp_path / 'missing.graft'}: error: No such file or directory" in err
    assert "3 error(s) in 3 file(s)" in err
    assert "Traceback" not in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["parse"])
    assert info.value.code == 2


def test_directories_expand_to_graft_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "sub" / "a.graft").write_text('module a version "1.0.0";\n', encoding="utf-8")
    (tmp_path / ".hidden" / "b.graft").write_text("not graft at all", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert main(["parse", str(tmp_path)]) == 0
    assert (
        capsys.readouterr().out
        == f"{tmp_path / 'sub' / 'a.graft'}: ok (module a 1.0.0, 0 declarations)\n"
    )
    assert main(["fmt", "--check", str(tmp_path)]) == 0


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    class Stdin:
        buffer = io.BytesIO(b'module  m version "1.0.0";\n')

    monkeypatch.setattr(sys, "stdin", Stdin)
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == 'module m version "1.0.0";\n'
    Stdin.buffer = io.BytesIO(b'module m version "1.0.0"; // caf\xe9\n')
    assert main(["parse", "-"]) == 1
    assert "<stdin>:1:33: error: not valid UTF-8 (byte 0xe9)" in capsys.readouterr().err


def test_a_directory_without_graft_files_is_an_error_not_a_silent_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`graftc fmt --check api/` in CI must not pass because the path was wrong."""
    (tmp_path / "empty").mkdir()
    for command in (["parse"], ["fmt", "--check"], ["fmt"]):
        assert main([*command, str(tmp_path / "empty")]) == 1
        err = capsys.readouterr().err
        assert f"{tmp_path / 'empty'}: error: is a directory with no .graft files in it" in err


def test_hostile_bytes_are_positioned_diagnostics_never_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        "binary.graft": (bytes(range(256)) * 4, "2:118: error: not valid UTF-8 (byte 0x80)"),
        "latin1.graft": (b'module m version "1.0.0";\n\trecord \xe9 R;\n', "2:9: error: not"),
        "bom.graft": (b"\xef\xbb\xbfmodule \xff;", "1:8: error: not valid UTF-8 (byte 0xff)"),
        "cut.graft": (b"module \xe2\x82", "1:8: error: not valid UTF-8 (byte 0xe2)"),
        "nul.graft": (b'module m version "1.0.0";\nrecord R { a: int\x00; }\n', "2:18: error:"),
        "empty.graft": (b"", "1:1: error: unexpected end of file"),
        # A form feed or U+2028 does not end a line: the line shown is the one with the error.
        "ff.graft": (
            b'module m version "1.0.0";\n// a\x0cb \xe2\x80\xa8 c\nrecord R { a: Nope; }\n',
            "3:15: error: unknown type 'Nope'\n    record R { a: Nope; }\n",
        ),
    }
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert main(["parse", str(tmp_path / name)]) == 1
        err = capsys.readouterr().err
        assert f"{tmp_path / name}:{expected}" in err, err
        assert "Traceback" not in err
        # The shown line never carries control characters that would drive the terminal.
        assert not any(ch < " " and ch not in "\n\t" for ch in err), repr(err)
