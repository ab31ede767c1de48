"""`graftc fmt FILE... [--check]`: rewrite `.graft` files in canonical form.

Plain comments and the blank lines grouping members are kept; everything else (spacing,
indentation, literal spelling, class member order) becomes canonical. A file with errors is
never rewritten. `--check` changes nothing: it prints a diff for each file that is not canonical
and exits 1.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from graftc.diagnostics import Diagnostic, DiagnosticError, render_all


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "fmt",
        help="format .graft files canonically",
        description="Rewrite .graft files canonically ('-' formats stdin to stdout).",
    )
    p.add_argument(
        "files", nargs="+", metavar="FILE", help=".graft files or directories ('-' for stdin)"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; print a diff and exit 1 when a file is not canonical",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graftc import idl

    diagnostics: list[Diagnostic] = []
    unformatted = 0
    for path in idl.source_files(args.files):
        try:
            if path == "-":
                text = idl.read_source("-")
                formatted = idl.format_source(text, "<stdin>")
                if args.check:
                    unformatted += _report(text, formatted, "<stdin>")
                else:
                    sys.stdout.write(formatted)
                continue
            text = idl.read_source(path)
            formatted = idl.format_source(text, path)
        except DiagnosticError as e:
            diagnostics.extend(e.diagnostics)
            continue
        if args.check:
            unformatted += _report(text, formatted, path)
        elif formatted != text:
            try:
                _write(Path(path), formatted)
            except OSError as e:  # read-only file system, no write permission on the folder
                diagnostics.append(Diagnostic(path, 0, 0, f"cannot rewrite: {e.strerror or e}"))
                continue
            print(f"reformatted {path}", file=sys.stderr)
    if diagnostics:
        print(render_all(diagnostics), file=sys.stderr)
    if unformatted:
        print(f"{unformatted} file(s) would be reformatted", file=sys.stderr)
    return 1 if diagnostics or unformatted else 0


def _report(text: str, formatted: str, path: str) -> int:
    if formatted == text:
        return 0
    diff = difflib.unified_diff(
        text.splitlines(keepends=True),
        formatted.splitlines(keepends=True),
        fromfile=f"{path} (original)",
        tofile=f"{path} (formatted)",
    )
    for line in diff:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
    return 1


def _write(path: Path, text: str) -> None:
    """Replace the file atomically, so an interrupted fmt never leaves half a file."""
    # Through a symlink, rewrite its target: replacing the link would fork the two copies.
    path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        mode = path.stat().st_mode & 0o777
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
