"""`graftc check FILE... --against REF` follows a module when its file moves: files are matched
with the ref by module name (the `module NAME version` header), by path only as a fallback.
Each test builds a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import V1, V2_ADDITIVE, V2_BREAKING, git, main, needs_git

pytestmark = needs_git


def module(name: str, text: str = V1) -> str:
    return text.replace("module shop", f"module {name}")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with api/shop.graft (module shop) and api/alpha.graft (module alpha) at
    HEAD; the tests run from its top, so paths in the output are short."""
    r = tmp_path / "repo"
    (r / "api").mkdir(parents=True)
    git(r, "init", "-q", "-b", "main")
    git(r, "config", "user.email", "t@example.com")
    git(r, "config", "user.name", "t")
    git(r, "config", "commit.gpgsign", "false")
    (r / "api" / "shop.graft").write_text(V1)
    (r / "api" / "alpha.graft").write_text(module("alpha"))
    git(r, "add", "api")
    git(r, "commit", "-q", "-m", "v1")
    monkeypatch.chdir(r)
    return r


def test_a_moved_file_with_a_breaking_change_is_compared_with_its_old_path(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "mv", "api/shop.graft", "api/other.graft")
    Path("api/other.graft").write_text(V2_BREAKING)
    assert main(["check", "api/other.graft", "--against", "HEAD"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "api/other.graft: compared with HEAD:api/shop.graft, which declared the same module\n"
    )
    assert "api/other.graft:4:8: error[PARAM_REMOVED]" in out
    assert "    old: HEAD:api/shop.graft:4:" in out
    assert "the module is new" not in out


def test_a_move_to_another_folder_is_followed_too(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "mv", "api", "proto")
    Path("proto/shop.graft").write_text(V2_ADDITIVE)
    assert main(["check", "proto/shop.graft", "--against", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "compared with HEAD:api/shop.graft" in out
    assert "1.0.0 -> 1.1.0 respects it" in out


def test_the_old_path_given_too_gives_one_report(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "mv", "api/shop.graft", "api/other.graft")
    Path("api/other.graft").write_text(V2_BREAKING)
    files = ["api/shop.graft", "api/other.graft", "api/alpha.graft"]
    assert main(["check", *files, "--against", "HEAD", "--format", "json"]) == 1
    reports = json.loads(capsys.readouterr().out)["reports"]
    # The deleted path is not MODULE_REMOVED: its module lives on in api/other.graft.
    assert [(r["old"]["file"], r["new"]["file"]) for r in reports] == [
        ("HEAD:api/shop.graft", "api/other.graft"),
        ("HEAD:api/alpha.graft", "api/alpha.graft"),
    ]
    assert [r["old"]["matched_by"] for r in reports] == ["module", "path"]
    assert [f["rule"] for f in reports[0]["findings"]] == ["PARAM_REMOVED"]


def test_a_module_that_is_really_new_still_says_so(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("api/billing.graft").write_text(module("billing"))
    assert main(["check", "api/billing.graft", "--against", "HEAD", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["old"] == {
        "file": "HEAD:api/billing.graft",
        "matched_by": None,
        "version": "",
        "schema_hash": "",
    }
    assert main(["check", "api/billing.graft", "--against", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "compared with" not in out
    assert "semver: the module is new (version 1.0.0); nothing can break" in out


def test_two_files_that_swap_names(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "mv", "api/shop.graft", "api/tmp.graft")
    git(repo, "mv", "api/alpha.graft", "api/shop.graft")
    git(repo, "mv", "api/tmp.graft", "api/alpha.graft")
    Path("api/alpha.graft").write_text(V2_BREAKING)  # module shop, now at api/alpha.graft
    assert main(["check", "api/alpha.graft", "api/shop.graft", "--against", "HEAD"]) == 1
    out = capsys.readouterr().out
    assert "api/alpha.graft: compared with HEAD:api/shop.graft" in out
    assert "api/shop.graft: compared with HEAD:api/alpha.graft" in out
    assert "error[PARAM_REMOVED]" in out
    # By path, each would have been a module renamed in place.
    assert "MODULE_RENAMED" not in out


def test_a_new_module_at_the_path_a_module_moved_from(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "mv", "api/shop.graft", "api/store.graft")
    Path("api/shop.graft").write_text(module("billing"))
    assert main(["check", "api/shop.graft", "api/store.graft", "--against", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "api/store.graft: compared with HEAD:api/shop.graft" in out
    assert "the module is new (version 1.0.0)" in out
    assert "MODULE_RENAMED" not in out


def test_a_module_renamed_in_place_is_still_matched_by_path(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("api/shop.graft").write_text(module("store", V2_ADDITIVE))
    assert main(["check", "api/shop.graft", "--against", "HEAD"]) == 1
    out = capsys.readouterr().out
    assert "error[MODULE_RENAMED]" in out and "compared with" not in out


def test_two_files_declaring_one_module_are_an_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A split that kept the module's name in both halves: neither half has a single past.
    Path("api/shop.graft").write_text(V2_BREAKING)
    Path("api/shop_admin.graft").write_text(V1.replace('"1.0.0"', '"2.0.0"'))
    files = ["api/shop.graft", "api/shop_admin.graft", "api/alpha.graft"]
    assert main(["check", *files, "--against", "HEAD"]) == 1
    captured = capsys.readouterr()
    assert (
        "api/shop.graft: error: declares the same module as api/shop_admin.graft: a module lives"
        " in one file" in captured.err
    )
    assert "api/shop_admin.graft: error: declares the same module as api/shop.graft" in captured.err
    # The other files are still compared; the two halves are not reported as new modules.
    assert "HEAD:api/alpha.graft -> api/alpha.graft: 0 breaking changes" in captured.out
    assert "nothing can break" not in captured.out


def test_a_copy_that_keeps_the_module_name_is_an_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("api/copy.graft").write_text(V2_BREAKING)
    assert main(["check", "api/copy.graft", "--against", "HEAD"]) == 1
    captured = capsys.readouterr()
    assert "api/copy.graft: error: declares the same module as api/shop.graft" in captured.err
    assert captured.out == ""


def test_matching_works_from_any_folder(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "mv", "api/shop.graft", "api/other.graft")
    Path("api/other.graft").write_text(V2_BREAKING)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "repo/api/other.graft", "--against", "HEAD"]) == 1
    assert "repo/api/other.graft: compared with HEAD:api/shop.graft" in capsys.readouterr().out
