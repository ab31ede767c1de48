"""`graftc export` on the command line: output, files, diagnostics and exit codes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from export_support import FIXTURES, GOLDEN
from graftc.commands import export as export_command
from graftc.diagnostics import DiagnosticError, render_all
from graftc.idl import print_module
from graftcode_runtime import ugm
from graftcode_runtime.introspect import export_module, load_module


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The export command alone, as `graftc.cli.main` runs it (independent of other commands)."""
    parser = argparse.ArgumentParser(prog="graftc")
    export_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["export", *argv])
    try:
        code = args.func(args)
    except DiagnosticError as e:
        print(render_all(e.diagnostics), file=__import__("sys").stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def test_prints_the_golden_idl(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["exportfix.calculator"], capsys)
    assert (code, err) == (0, "")
    assert out == (GOLDEN / "calculator.graft").read_text(encoding="utf-8")


def test_file_path_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "shop.graft"
    code, out, _ = run(["exportfix/shop.py", "-o", str(target)], capsys)
    assert (code, out) == (0, "")
    assert target.read_text(encoding="utf-8") == (GOLDEN / "shop.graft").read_text("utf-8")
    os.utime(target, (1, 1))
    assert run(["exportfix/shop.py", "-o", str(target)], capsys)[0] == 0
    assert target.stat().st_mtime == 1  # unchanged output is not rewritten


def test_errors_are_diagnostics_with_source_and_caret(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["exportfix/unsupported.py"], capsys)
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == (
        "exportfix/unsupported.py:25:13: error: unsupported.untyped: parameter `x` has no type "
        "annotation; annotate it (for example `x: int`)"
    )
    assert lines[1] == "    def untyped(x, y: int) -> int:  # type: ignore[no-untyped-def]"
    assert lines[2] == "                ^"
    assert "Traceback" not in err


def test_skip_unsupported_warns_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["exportfix.unsupported", "--skip-unsupported"], capsys)
    assert code == 0
    assert out == (GOLDEN / "unsupported-skipped.graft").read_text(encoding="utf-8")
    assert "warning: unsupported.either:" in err


def test_filters_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["exportfix.shop", "--types", "Cart", "--methods", "Cart.add", "--version", "9.0.0"],
        capsys,
    )
    assert code == 0
    expected = (GOLDEN / "shop-cart-add.graft").read_text(encoding="utf-8")
    assert out == expected.replace('version "3.4.0"', 'version "9.0.0"')


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["exportfix.deferred", "--format", "json"], capsys)
    assert code == 0
    assert ugm.loads(out) == export_module(load_module("exportfix.deferred")).module


def test_import_failure(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["exportfix/broken.py"], capsys)
    assert code == 1
    assert err.startswith("exportfix/broken.py:5:1: error: exportfix.broken: importing module")
    assert "ZeroDivisionError" in err and "Traceback" not in err


def test_missing_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["exportfix.noversion"], capsys)
    assert code == 1
    assert "has no version: pass --version 1.0.0" in err


def test_path_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "exportcase_cli_path.py").write_text(
        "__version__ = '1.0.0'\ndef ping() -> None: ...\n", encoding="utf-8"
    )
    code, out, _ = run(["exportcase_cli_path", "--path", str(tmp_path)], capsys)
    assert code == 0
    assert "fn ping();" in out


def test_through_the_graftc_command(capsys: pytest.CaptureFixture[str]) -> None:
    from graftc.cli import main

    assert main(["export", "exportfix.calculator"]) == 0
    expected = print_module(export_module(load_module("exportfix.calculator")).module)
    assert capsys.readouterr().out == expected
    assert main(["export", "exportfix/unsupported.py"]) == 1


@pytest.mark.slow
def test_same_bytes_across_processes() -> None:
    """Hash randomisation must not reach the output (sets are never printed unordered)."""
    import subprocess
    import sys

    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "graftc.cli", "export", "exportfix.catalog"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        outputs.add(done.stdout)
    assert outputs == {(GOLDEN / "catalog.graft").read_text(encoding="utf-8")}


def test_check_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "calculator.graft"
    code, _, err = run(["exportfix.calculator", "-o", str(target), "--check"], capsys)
    assert code == 1 and "missing" in err and not target.exists()
    target.write_text((GOLDEN / "calculator.graft").read_text("utf-8"), encoding="utf-8")
    assert run(["exportfix.calculator", "-o", str(target), "--check"], capsys)[0] == 0
    target.write_text('module stale version "0.0.1";\n', encoding="utf-8")
    code, _, err = run(["exportfix.calculator", "-o", str(target), "--check"], capsys)
    assert code == 1 and "out of date" in err
    assert run(["exportfix.calculator", "--check"], capsys)[0] == 2


def test_a_surface_the_idl_refuses_is_an_error_not_a_file_parse_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records needing each other through required fields: each member exports fine alone."""
    source = tmp_path / "cycle_mod.py"
    source.write_text(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "__version__ = '1.0.0'\n"
        "@dataclass\nclass A:\n    b: B\n"
        "@dataclass\nclass B:\n    a: A\n"
        "def f(a: A) -> None: ...\n",
        encoding="utf-8",
    )
    code, out, err = run([str(source)], capsys)
    assert code == 1 and out == ""
    assert "cycle_mod: the exported IDL would be invalid: records contain each other" in err
    assert "(A -> B -> A)" in err


def test_what_the_module_prints_at_import_goes_to_stderr(tmp_path: Path) -> None:
    """`graftc export mod > api.graft` must hold only IDL, even if the module greets on import
    through print() or straight through file descriptor 1."""
    import subprocess
    import sys

    (tmp_path / "noisy_mod.py").write_text(
        "import os\n__version__ = '1.0.0'\nprint('hello')\nos.write(1, b'raw\\n')\n"
        "def f() -> int: return 1\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "graftc.cli", "export", "noisy_mod"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
        timeout=120,
    )
    assert done.stdout.startswith('module noisy_mod version "1.0.0";\n')
    assert "hello" not in done.stdout and "raw" not in done.stdout
    assert "hello" in done.stderr and "raw" in done.stderr


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped --path must not be ignored (the module could then come from elsewhere)."""
    code, _, err = run(["exportfix.calculator", "--path", str(tmp_path / "nope")], capsys)
    assert code == 2 and f"--path {tmp_path / 'nope'}: not a directory" in err
    (tmp_path / "file.py").write_text("", encoding="utf-8")
    code, _, err = run(["exportfix.calculator", "--path", str(tmp_path / "file.py")], capsys)
    assert code == 2 and "not a directory" in err
    code, _, err = run([""], capsys)
    assert code == 2 and "MODULE is empty" in err


def test_types_nested_deeper_than_the_parser_allows_are_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "deep_mod.py"
    hint = "list[" * 120 + "int" + "]" * 120
    source.write_text(f"__version__ = '1.0.0'\ndef f(x: {hint}) -> int: return 1\n", "utf-8")
    code, out, err = run([str(source)], capsys)
    assert code == 1 and out == ""
    assert "deep_mod: the exported IDL would be invalid: nesting deeper than 100 levels" in err
