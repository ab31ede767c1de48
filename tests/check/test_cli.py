"""`graftc check` end to end (in-process): exit codes, formats, filters, parse errors, git refs."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from graftc.commands import check

from .make_corpus import CORPUS


def main(argv: list[str]) -> int:
    """`graftc ARGV` with only the check command registered, so these tests do not depend on
    the other commands importing cleanly."""
    parser = argparse.ArgumentParser(prog="graftc")
    check.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


V1 = 'module shop version "1.0.0";\n\nservice shop {\n    fn price_of(sku: str, quantity: int = 1) -> float;\n}\n'
V2_BREAKING = V1.replace('"1.0.0"', '"2.0.0"').replace(", quantity: int = 1", "")
V2_ADDITIVE = V1.replace('"1.0.0"', '"1.1.0"').replace(
    "quantity: int = 1)", 'quantity: int = 1, currency: str = "EUR")'
)


def test_breaking_pair_exits_1_and_names_both_locations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = CORPUS / "PARAM_REMOVED"
    old, new = str(d / "old.graft"), str(d / "new.graft")
    assert main(["check", old, new]) == 1
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith(f"{new}:") and "error[PARAM_REMOVED] (wire/source)" in first
    assert f"    old: {old}:" in out
    assert "semver: this change needs a major version bump; 1.0.0 -> 2.0.0 respects it" in out


def test_additive_pair_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    d = CORPUS / "additive_everything"
    assert main(["check", str(d / "old.graft"), str(d / "new.graft")]) == 0
    out = capsys.readouterr().out
    assert "0 breaking changes" in out and "needs a minor version bump" in out


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    d = CORPUS / "ENUM_VALUE_RENAMED"
    assert main(["check", str(d / "old.graft"), str(d / "new.graft"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in data["findings"]] == ["ENUM_VALUE_RENAMED"]
    assert data["findings"][0]["categories"] == ["source"]
    assert data["old"]["schema_hash"] != data["new"]["schema_hash"]


def test_github_format(capsys: pytest.CaptureFixture[str]) -> None:
    d = CORPUS / "METHOD_REMOVED"
    main(["check", str(d / "old.graft"), str(d / "new.graft"), "--format", "github"])
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"::error file={d / 'new.graft'},line=")
    assert ",title=METHOD_REMOVED::method shop.stop was removed" in line


def test_category_filter_turns_a_source_only_break_into_success(
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = CORPUS / "ENUM_VALUE_RENAMED"
    files = [str(d / "old.graft"), str(d / "new.graft")]
    assert main(["check", *files, "--category", "wire"]) == 0
    assert main(["check", *files, "--category", "source"]) == 1
    assert main(["check", *files, "--ignore", "ENUM_VALUE_RENAMED,FIELD_MOVED"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "a.graft"],
        ["check", "a.graft", "b.graft", "c.graft"],
        ["check", "--against", "HEAD"],
        ["check", "a.graft", "b.graft", "--ignore", "NO_SUCH_RULE"],
        ["check", "a.graft", "b.graft", "--format", "xml"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own usage errors
        code = int(e.code or 0)
    assert code == 2
    capsys.readouterr()


def test_parse_errors_in_both_files_are_all_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old.graft").write_text('module shop version "1.0.0";\nservice shop { fn (); }\n')
    (tmp_path / "new.graft").write_text('module shop version "1.0.0";\nrecord { }\n')
    code = main(["check", str(tmp_path / "old.graft"), str(tmp_path / "new.graft")])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{tmp_path / 'old.graft'}:2:" in err and f"{tmp_path / 'new.graft'}:2:" in err
    assert "Traceback" not in err


def test_missing_file_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "new.graft").write_text(V1)
    code = main(["check", str(tmp_path / "gone.graft"), str(tmp_path / "new.graft")])
    assert code == 1
    assert f"{tmp_path / 'gone.graft'}: error: No such file or directory" in capsys.readouterr().err


def test_files_are_read_as_parse_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A byte order mark is fine (parse accepts it, so must check); a bad byte has a position."""
    (tmp_path / "bom.graft").write_bytes(b"\xef\xbb\xbf" + V1.encode())
    (tmp_path / "bad.graft").write_bytes(V1.encode().replace(b"sku", b"sk\xff"))
    assert main(["check", str(tmp_path / "bom.graft"), str(tmp_path / "bom.graft")]) == 0
    assert main(["check", str(tmp_path / "bom.graft"), str(tmp_path / "bad.graft")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'bad.graft'}:4:19: error: not valid UTF-8 (byte 0xff)" in err


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--list-rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)["rules"]
    assert {"id": "PARAM_MOVED", "severity": "error"}.items() <= rules[
        [r["id"] for r in rules].index("PARAM_MOVED")
    ].items()


# ---------------------------------------------------------------------------------------------
# --against GIT_REF
# ---------------------------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    (r / "api").mkdir(parents=True)
    git(r, "init", "-q", "-b", "main")
    git(r, "config", "user.email", "t@example.com")
    git(r, "config", "user.name", "t")
    git(r, "config", "commit.gpgsign", "false")
    (r / "api" / "shop.graft").write_text(V1)
    git(r, "add", "api/shop.graft")
    git(r, "commit", "-q", "-m", "v1")
    git(r, "tag", "v1")
    return r


@needs_git
def test_against_a_ref_finds_the_breaking_change(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "api" / "shop.graft").write_text(V2_BREAKING)
    monkeypatch.chdir(tmp_path)  # run from outside the repository, with a relative path
    assert main(["check", "repo/api/shop.graft", "--against", "v1"]) == 1
    out = capsys.readouterr().out
    assert "error[PARAM_REMOVED]" in out
    assert "    old: v1:api/shop.graft:4:" in out


@needs_git
def test_against_head_after_an_additive_commit(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "api" / "shop.graft").write_text(V2_ADDITIVE)
    git(repo, "commit", "-q", "-am", "v1.1")
    monkeypatch.chdir(repo / "api")
    assert main(["check", "shop.graft", "--against", "HEAD~1"]) == 0
    assert main(["check", "shop.graft", "--against", "HEAD"]) == 0  # unchanged
    out = capsys.readouterr().out
    assert "PARAM_ADDED" in out and "1.0.0 -> 1.1.0 respects it" in out


@needs_git
def test_against_a_ref_without_the_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A module no file declared at the ref (files are matched by module, see test_against_moves).
    (repo / "api" / "new.graft").write_text(V1.replace("module shop", "module billing"))
    assert main(["check", str(repo / "api" / "new.graft"), "--against", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "note[DECL_ADDED]: service shop was added (new module)" in out
    assert "semver: the module is new (version 1.0.0); nothing can break" in out


@needs_git
def test_against_errors(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = repo / "api" / "shop.graft"
    assert main(["check", str(f), "--against", "no-such-ref"]) == 2
    assert "unknown git revision" in capsys.readouterr().err
    assert main(["check", str(f), "--against=--output=x"]) == 2
    outside = tmp_path / "outside.graft"
    outside.write_text(V1)
    assert main(["check", str(outside), "--against", "HEAD"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


@needs_git
def test_against_reports_parse_errors_in_the_old_version(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = repo / "api" / "shop.graft"
    f.write_text("module broken\n")
    git(repo, "commit", "-q", "-am", "broken")
    f.write_text(V1)
    assert main(["check", str(f), "--against", "HEAD"]) == 1
    assert "HEAD:api/shop.graft:" in capsys.readouterr().err


def test_the_real_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    from graftc.cli import main as graftc

    d = CORPUS / "FIELD_ADDED"
    assert graftc(["check", str(d / "old.graft"), str(d / "new.graft")]) == 0
    assert "FIELD_ADDED" in capsys.readouterr().out


@needs_git
def test_against_a_ref_after_deleting_the_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(repo / "api")
    assert main(["check", str(repo / "api" / "shop.graft"), "--against", "v1"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("v1:api/shop.graft:1:8: error[MODULE_REMOVED] (wire/source): module shop")
    assert "the module no longer exists" in out


def test_ugm_json_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    d = CORPUS / "VERSION_NOT_SEMVER"
    assert main(["check", str(d / "old.json"), str(d / "new.json")]) == 0
    assert "the versions are not semver" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "nope"}')
    assert main(["check", str(bad), str(d / "new.json")]) == 1
    assert f"{bad}: error: not a UGM JSON document" in capsys.readouterr().err


@needs_git
def test_against_with_several_files(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shop = repo / "api" / "shop.graft"
    shop.write_text(V2_BREAKING)
    other = repo / "api" / "other.graft"
    other.write_text(
        V1.replace("module shop", "module other").replace("service shop", "service other")
    )
    files = [str(shop), str(other)]
    assert main(["check", *files, "--against", "v1", "--format", "json"]) == 1
    reports = json.loads(capsys.readouterr().out)["reports"]
    assert [r["new"]["file"] for r in reports] == files
    assert [f["rule"] for f in reports[0]["findings"]] == ["PARAM_REMOVED"]
    assert [f["rule"] for f in reports[1]["findings"]] == ["DECL_ADDED"]
    shop.write_text(V2_ADDITIVE)
    assert main(["check", *files, "--against", "v1"]) == 0
    out = capsys.readouterr().out
    assert "1.0.0 -> 1.1.0 respects it" in out and "the module is new" in out


def test_json_models_are_user_input_checked_like_idl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any JSON shape is an error with the file's name (never an internal error), and a model
    that would not pass `graftc parse` is refused before it is compared."""
    (tmp_path / "new.graft").write_text(V1)
    new = str(tmp_path / "new.graft")
    cases = {
        "null.json": "null",
        "list.json": "[1, 2]",
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "other.json": '{"a": 1}',
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        assert main(["check", str(tmp_path / name), new]) == 1
        err = capsys.readouterr().err
        assert f"{tmp_path / name}: error: not a UGM JSON document" in err, err
    from graftc import idl
    from graftcode_runtime import ugm

    bad = ugm.to_json(idl.parse(V1.replace('"1.0.0"', '"1.1.0"')), spans=False)
    bad["module"]["decls"][0]["methods"][0]["returns"] = {"node": "Named", "name": "Missing"}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert main(["check", str(tmp_path / "bad.json"), new]) == 1
    assert f"{tmp_path / 'bad.json'}: error: unknown type 'Missing'" in capsys.readouterr().err


@needs_git
def test_against_reads_a_committed_byte_order_mark(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = repo / "api" / "shop.graft"
    shop.write_bytes(b"\xef\xbb\xbf" + V1.encode())
    git(repo, "commit", "-q", "-am", "bom")
    assert main(["check", str(shop), "--against", "HEAD"]) == 0, capsys.readouterr().err
