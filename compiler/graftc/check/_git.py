"""Reads files as they were at a git revision (`graftc check NEW --against REF`)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


class GitError(Exception):
    """git is missing, the file is outside a repository, or the ref does not exist."""


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args],
            input=stdin,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except FileNotFoundError as e:
        raise GitError("git is not installed (needed for --against)") from e
    except subprocess.TimeoutExpired as e:
        raise GitError("git did not answer within 60 seconds") from e


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise GitError(f"{label} is not UTF-8 text") from e


@dataclass
class RefTree:
    """One repository's files at one revision, read on demand."""

    folder: Path  # a folder inside the repository's work tree, for running git
    top: str  # the work tree's top folder, as git prints it: one tree per repository and ref
    ref: str
    commit: str
    _blobs: dict[str, str] | None = field(default=None, repr=False)  # path -> object id

    def label(self, rel: str) -> str:
        return f"{self.ref}:{rel}"

    def text(self, rel: str) -> str | None:
        """The file's text at the revision, or None when it did not exist there."""
        shown = _git(self.folder, "cat-file", "blob", f"{self.commit}:{rel}")
        if shown.returncode != 0:
            return None
        return _decode(shown.stdout, self.label(rel))

    def paths(self, suffix: str) -> list[str]:
        """Every file at the revision whose name ends with `suffix`, from the repository's top."""
        return sorted(p for p in self._listing() if p.endswith(suffix))

    def _listing(self) -> dict[str, str]:
        if self._blobs is None:
            listed = _git(self.folder, "ls-tree", "-r", "-z", "--full-tree", self.commit)
            if listed.returncode != 0:
                raise GitError(f"git could not list the files of {self.ref!r}")
            self._blobs = {}
            for entry in listed.stdout.split(b"\0"):
                meta, _, name = entry.partition(b"\t")
                parts = meta.split()
                if len(parts) == 3 and parts[1] == b"blob":
                    self._blobs[name.decode("utf-8", "surrogateescape")] = parts[2].decode()
        return self._blobs

    def texts(self, rels: Iterable[str]) -> dict[str, str | None]:
        """Several files' texts in one git call (None for a file that is not UTF-8)."""
        blobs = self._listing()
        wanted = [r for r in rels if r in blobs]
        if not wanted:
            return {}
        request = "".join(f"{blobs[r]}\n" for r in wanted).encode()
        out = _git(self.folder, "cat-file", "--batch", stdin=request)
        if out.returncode != 0:
            raise GitError(f"git could not read the files of {self.ref!r}")
        data, pos = out.stdout, 0
        found: dict[str, str | None] = {}
        for rel in wanted:
            end = data.index(b"\n", pos)
            size = int(data[pos:end].split()[2])
            blob = data[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1  # the content is followed by a newline
            try:
                found[rel] = blob.decode("utf-8-sig")
            except UnicodeDecodeError:
                found[rel] = None
        return found


def locate(path: Path, ref: str) -> tuple[RefTree, str]:
    """The repository that contains `path` at `ref`, and the path's name in it.

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
    top = _git(folder, "rev-parse", "--show-toplevel", "--show-prefix")
    if top.returncode != 0:
        # git's own words matter here: "dubious ownership" (safe.directory) is not "no repo".
        said = top.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = f" (git: {said[0].removeprefix('fatal: ')})" if said else ""
        raise GitError(f"{path} is not inside a git repository{detail}")
    toplevel, _, prefix = top.stdout.decode().partition("\n")
    rel = prefix.removesuffix("\n") + "".join(f"{m}/" for m in missing) + path.name
    commit = _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit.returncode != 0:
        raise GitError(f"unknown git revision {ref!r}")
    return RefTree(folder, toplevel, ref, commit.stdout.decode().strip()), rel


def read_at_ref(path: Path, ref: str) -> tuple[str | None, str]:
    """(the file's text at `ref`, or None when it did not exist there; a label like `REF:path`)."""
    tree, rel = locate(path, ref)
    return tree.text(rel), tree.label(rel)
