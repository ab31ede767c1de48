"""`graftc build`: arguments, exit codes and diagnostics for bad input (no tracebacks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graftc.cli import main

from .support import FIXTURES


def test_build_from_idl_and_from_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graft = tmp_path / "edge.graft"
    graft.write_text((FIXTURES / "edge.graft").read_text())
    assert main(["build", str(graft), "-o", str(tmp_path / "a"), "--package-name", "edge"]) == 0
    assert (tmp_path / "a" / "edge" / "_client.py").is_file()
    assert 'version = "0.3.0rc1"' in (tmp_path / "a" / "pyproject.toml").read_text()
    out = tmp_path / "b"
    args = ["build", "--from-module", "kitchen", "--path", str(FIXTURES), "-o", str(out)]
    assert main([*args, "--default-url", "ws://gw:1/"]) == 0
    assert 'Settings(url="ws://gw:1/")' in (out / "graft_kitchen" / "_binding.py").read_text()
    assert "wrote 9 files" in capsys.readouterr().err


def test_default_output_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(FIXTURES / "edge.graft")]) == 0
    assert (tmp_path / "graft-acme-edge" / "graft_acme_edge" / "py.typed").is_file()


@pytest.mark.parametrize("args", [["build"], ["build", "x.graft", "--from-module", "kitchen"]])
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert "exactly one of FILE.graft or --from-module" in capsys.readouterr().err


def test_bad_input_exits_1_with_positioned_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.graft"
    assert main(["build", str(missing)]) == 1
    assert f"{missing}: error:" in capsys.readouterr().err

    clash = tmp_path / "clash.graft"
    clash.write_text(
        'module clash version "1.0.0";\nservice clash {\n    fn f(id: int, id_: int);\n}\n'
    )
    assert main(["build", str(clash), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{clash}:3:19: error: 'id_' and 'id' (declared at 3:10) both become" in err
    assert "    fn f(id: int, id_: int);\n                      ^" in err
    assert not (tmp_path / "out").exists()  # nothing is written when the input has errors

    assert main(["build", "--from-module", str(tmp_path / "nope.py")]) == 1
    assert "no such file" in capsys.readouterr().err

    edge = str(FIXTURES / "edge.graft")
    assert main(["build", edge, "-o", str(tmp_path / "o"), "--option", "style=x"]) == 1
    assert "--option: error: the python target has no style" in capsys.readouterr().err
    assert main(["build", edge, "--option", "novalue"]) == 2


@pytest.mark.parametrize("name", ["foo-bar", "class", "2x"])
def test_package_name_must_be_importable(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edge = str(FIXTURES / "edge.graft")
    assert main(["build", edge, "-o", str(tmp_path / "o"), "--package-name", name]) == 1
    assert f"error: --package-name {name!r} is not a Python identifier" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("manifest", "target"), [("pyproject.toml", "python"), ("package.json", "typescript")]
)
def test_a_project_graftc_did_not_write_is_not_overwritten(
    manifest: str, target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / manifest
    mine.write_text('{"name": "my-app"}\n' if manifest == "package.json" else "[project]\n")
    graft = tmp_path.parent / f"{tmp_path.name}-ping.graft"
    graft.write_text('module ping version "1.0.0";\nservice ping {\n    fn ping() -> str;\n}\n')
    args = ["build", str(graft), "--target", target, "-o", str(tmp_path)]
    assert main(args) == 1
    assert f"{mine}: error: not written by graftc; refusing to overwrite it" in (
        capsys.readouterr().err
    )
    assert mine.read_text().startswith(("{", "[project]"))  # untouched
    assert main([*args, "--force"]) == 0
    assert main(args) == 0  # graftc's own output is rewritten freely
