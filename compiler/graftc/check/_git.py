"""Reads a file as it was at a git revision (`graftc check NEW --against REF`)."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """git is missing, the file is outside a repository, or the ref does not exist."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args], capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError as e:
        raise GitError("git is not installed (needed for --against)") from e
    except subprocess.TimeoutExpired as e:
        raise GitError("git did not answer within 60 seconds") from e


def read_at_ref(path: Path, ref: str) -> tuple[str | None, str]:
    """(the file's text at `ref`, or None when it did not exist there; a label like `REF:path`).

    The path is resolved against the repository that contains it, so the command works from
    any directory, like `buf breaking --against '.git#ref=...'`.
    """
    if ref.startswith("-"):
        raise GitError(f"invalid git revision {ref!r}")
    # The file (even its folder) may have been deleted since `ref`: start from what exists.
    folder = path.resolve().parent
    missing: list[str] = []
    while not folder.is_dir() and folder != folder.parent:
        missing.insert(0, folder.name)
        folder = folder.parent
    top = _git(folder, "rev-parse", "--show-prefix")
    if top.returncode != 0:
        # git's own words matter here: "dubious ownership" (safe.directory) is not "no repo".
        said = top.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = f" (git: {said[0].removeprefix('fatal: ')})" if said else ""
        raise GitError(f"{path} is not inside a git repository{detail}")
    rel = top.stdout.decode().strip() + "".join(f"{m}/" for m in missing) + path.name
    commit = _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit.returncode != 0:
        raise GitError(f"unknown git revision {ref!r}")
    label = f"{ref}:{rel}"
    shown = _git(folder, "cat-file", "blob", f"{commit.stdout.decode().strip()}:{rel}")
    if shown.returncode != 0:
        return None, label
    try:
        return shown.stdout.decode("utf-8-sig"), label
    except UnicodeDecodeError as e:
        raise GitError(f"{label} is not UTF-8 text") from e
