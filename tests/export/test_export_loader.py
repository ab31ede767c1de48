"""Loading the module to export: by name, file or package; never its main block; clean errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from export_support import FIXTURES, MakeModule
from graftcode_runtime.introspect import ExportError, export_module, load_module

PKG = FIXTURES / "exportfix"


def test_main_block_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "ran"
    monkeypatch.setenv("EXPORTFIX_MAIN_RAN", str(marker))
    module = load_module(str(PKG / "mainblock.py"))
    assert module.__name__ == "exportfix.mainblock"
    export_module(module)
    assert not marker.exists()


def test_import_error_names_the_module_and_line() -> None:
    with pytest.raises(ExportError) as caught:
        load_module("exportfix.broken")
    (problem,) = caught.value.problems
    assert problem.member == "exportfix.broken"
    assert "ZeroDivisionError: division by zero" in problem.message
    assert problem.file.endswith("broken.py")
    assert problem.line == 5
    assert "Traceback" not in str(caught.value)
    assert "exportfix.broken" not in sys.modules


def test_sys_exit_at_import_is_an_error() -> None:
    with pytest.raises(ExportError) as caught:
        load_module(str(PKG / "exits.py"))
    assert "sys.exit(3)" in caught.value.problems[0].message


def test_syntax_error_points_at_the_line(make_module: MakeModule) -> None:
    with pytest.raises(ExportError) as caught:
        make_module("def f(:\n    pass\n")
    problem = caught.value.problems[0]
    assert problem.line == 1
    assert "SyntaxError" in problem.message


def test_missing_module() -> None:
    with pytest.raises(ExportError, match="no module named 'no_such_module_here'"):
        load_module("no_such_module_here")


def test_missing_dependency_is_an_import_failure(make_module: MakeModule) -> None:
    with pytest.raises(ExportError) as caught:
        make_module("import no_such_dependency_xyz\n")
    message = caught.value.problems[0].message
    assert "importing module" in message
    assert "no_such_dependency_xyz" in message


def test_missing_file() -> None:
    with pytest.raises(ExportError, match="no such file or directory"):
        load_module("nowhere/at/all.py")


def test_not_a_name_or_path() -> None:
    with pytest.raises(ExportError, match="neither a module name"):
        load_module("not a module")


def test_package_directory() -> None:
    module = load_module(str(PKG / "catalog"))
    assert module.__name__ == "exportfix.catalog"


def test_directory_without_init(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(ExportError, match=r"without __init__\.py"):
        load_module(str(tmp_path / "plain"))


def test_file_outside_a_package_is_imported_by_its_stem(make_module: MakeModule) -> None:
    module = make_module("def f() -> int:\n    return 1\n", name="exportcase_stem")
    assert module.__name__ == "exportcase_stem"


def test_file_shadowing_an_imported_module_is_refused(tmp_path: Path) -> None:
    (tmp_path / "json.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ExportError, match="a different module named 'json'"):
        load_module(str(tmp_path / "json.py"))


def test_path_option_makes_a_directory_importable(tmp_path: Path) -> None:
    (tmp_path / "exportcase_onpath.py").write_text("__version__ = '1.0.0'\n", encoding="utf-8")
    try:
        module = load_module("exportcase_onpath", [str(tmp_path)])
        assert module.__version__ == "1.0.0"
    finally:
        sys.modules.pop("exportcase_onpath", None)


def test_an_exception_that_cannot_print_itself_is_still_reported(make_module: MakeModule) -> None:
    with pytest.raises(ExportError) as caught:
        make_module(
            "class E(Exception):\n"
            "    def __str__(self):\n"
            "        raise RuntimeError('boom')\n"
            "raise E()\n"
        )
    (problem,) = caught.value.problems
    assert problem.line == 4
    assert "failed: E: <its message could not be printed>" in problem.message
