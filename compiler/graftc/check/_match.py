"""Which old file each new file is compared with (`graftc check FILE... --against REF`).

A module keeps its history when its file moves: a new file is compared with the file that
declared the same module (the `module NAME version ...;` header) at the ref, and by path only
when no file there did. Each old file is the past of at most one new file.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from graftc.check._git import RefTree, locate
from graftc.diagnostics import DiagnosticError

MatchedBy = Literal["path", "module", ""]


@dataclass(frozen=True)
class Counterpart:
    """A new file given on the command line, and its past at the ref."""

    new_file: str  # as given
    old_text: str | None  # None: nothing to compare with (a new module)
    old_file: str  # `REF:path` of the old file, or of the new file's path when there is none
    matched_by: MatchedBy  # "" when old_text is None
    # Other files that declare the same module (given ones, or the module's old file still in
    # place when this is a copy): none of them has a single past.
    duplicates: tuple[str, ...] = ()
    # Set for a deleted file whose module another given file declares (its report says so).
    moved_to: str | None = None


@dataclass
class _Given:
    file: str
    tree: RefTree
    rel: str  # the path in the repository
    exists: bool
    module: str | None  # the module it declares now (None: deleted, JSON, or no header)


def _name(file: str) -> str | None:
    from graftc.idl import module_name, read_source  # late: lark is only needed for IDL

    if not file.endswith(".graft"):
        return None  # a UGM JSON file is compared by path
    try:
        return module_name(read_source(file))
    except DiagnosticError:  # unreadable: reported when it is compared
        return None


def counterparts(files: list[str], ref: str) -> list[Counterpart]:
    """The old file of each of `files` at `ref` (raises GitError for git's refusals)."""
    trees: dict[str, RefTree] = {}
    given: list[_Given] = []
    for file in files:
        tree, rel = locate(Path(file), ref)
        tree = trees.setdefault(tree.top, tree)
        exists = Path(file).exists()
        given.append(_Given(file, tree, rel, exists, _name(file) if exists else None))
    declaring: dict[str, list[_Given]] = defaultdict(list)
    for g in given:
        if g.module is not None:
            declaring[g.module].append(g)
    # The same file given twice (`a.graft ./a.graft`) is not a duplicate of itself.
    duplicates = {
        g.file: [o.file for o in declaring[g.module] if (o.tree.top, o.rel) != (g.tree.top, g.rel)]
        for g in given
        if g.module
    }
    old_names = {top: _module_names(tree) for top, tree in trees.items()}

    # First by module name, then by path for what is left: each old file has one future.
    chosen: dict[str, tuple[str, MatchedBy]] = {}  # new file -> (old path, how)
    heirs: dict[tuple[str, str], str] = {}  # (repository, old path) -> the new file
    for g in given:
        if g.module is None or duplicates[g.file]:
            continue
        olds = [rel for rel, name in old_names[g.tree.top].items() if name == g.module]
        old = g.rel if g.rel in olds else olds[0] if len(olds) == 1 else None
        if old is None:
            continue
        if old != g.rel:
            # A copy rather than a move: the module's old file is still there and declares it.
            still = Path(g.tree.top, old)
            if still.is_file() and _name(str(still)) == g.module:
                duplicates[g.file].append(os.path.relpath(still))
                continue
        chosen[g.file] = (old, "path" if old == g.rel else "module")
        heirs[(g.tree.top, old)] = g.file
    return [_counterpart(g, duplicates.get(g.file, []), chosen, heirs) for g in given]


def _counterpart(
    g: _Given,
    duplicates: list[str],
    chosen: dict[str, tuple[str, MatchedBy]],
    heirs: dict[tuple[str, str], str],
) -> Counterpart:
    label = g.tree.label(g.rel)
    if duplicates:
        return Counterpart(g.file, None, label, "", duplicates=tuple(duplicates))
    if g.file in chosen:
        old, by = chosen[g.file]
        return Counterpart(g.file, g.tree.text(old), g.tree.label(old), by)
    heir = heirs.get((g.tree.top, g.rel))
    if heir is not None:
        # The module that lived at this path continues in another given file: a file here now
        # is a new module, and a file deleted from here was moved rather than removed.
        return Counterpart(g.file, None, label, "", moved_to=None if g.exists else heir)
    text = g.tree.text(g.rel)
    return Counterpart(g.file, text, label, "path" if text is not None else "")


def _module_names(tree: RefTree) -> dict[str, str]:
    """The module each `.graft` file at the ref declares (files without a header left out)."""
    from graftc.idl import module_name

    names: dict[str, str] = {}
    for rel, text in tree.texts(tree.paths(".graft")).items():
        name = module_name(text) if text is not None else None
        if name is not None:
            names[rel] = name
    return names
