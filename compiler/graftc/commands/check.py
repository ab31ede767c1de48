"""`graftc check`: review an IDL change for breaking changes, like `buf breaking`.

    graftc check OLD.graft NEW.graft
    graftc check NEW.graft --against main       # the same path at a git revision

Exit codes: 0 nothing breaks, 1 something breaks (or an input does not parse), 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graftcode_runtime import ugm

from graftc.check import (
    FORMATS,
    RULES,
    Category,
    GitError,
    compare,
    compare_removed,
    format_report,
    format_rules,
    read_at_ref,
)
from graftc.diagnostics import Diagnostic, DiagnosticError, render_all


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="find breaking changes between two versions of a .graft file",
        description="Compare two versions of a module's IDL and report what breaks old callers "
        "(wire) or code written against the old generated client (source). See "
        "docs/compatibility.md for every rule.",
    )
    p.add_argument(
        "files", nargs="*", metavar="FILE", help="OLD.graft NEW.graft, or NEW.graft with --against"
    )
    p.add_argument(
        "--against",
        metavar="GIT_REF",
        help="compare NEW.graft with the same path at this git revision",
    )
    p.add_argument(
        "--format", choices=sorted(FORMATS), default="text", help="output format (default: text)"
    )
    p.add_argument(
        "--category",
        action="append",
        choices=[c.value for c in Category],
        help="only report changes that break this (repeatable; default: wire and source)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULE",
        help="do not report this rule (repeatable, or comma-separated)",
    )
    p.add_argument("--list-rules", action="store_true", help="print every rule and exit")
    p.set_defaults(func=run)


def _usage(message: str) -> int:
    print(f"graftc check: error: {message}", file=sys.stderr)
    return 2


def _load(text: str, label: str) -> ugm.Module:
    """Parse `.graft` text (or the UGM's JSON form, for files ending in .json)."""
    if label.endswith(".json"):
        try:
            return ugm.loads(text)
        except (ValueError, KeyError, TypeError) as e:
            raise DiagnosticError([Diagnostic(label, 0, 0, f"not a UGM JSON document: {e}")]) from e
    from graftc.idl import parse  # imported late: lark is only needed when there is IDL to read

    return parse(text, label)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DiagnosticError([Diagnostic(path, 0, 0, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise DiagnosticError([Diagnostic(path, 0, 0, f"cannot read: {e}")]) from e


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except DiagnosticError as e:
        print(render_all(e.diagnostics), file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.list_rules:
        sys.stdout.write(format_rules("json" if args.format == "json" else "text"))
        return 0
    ignore = {r.strip() for item in args.ignore for r in item.split(",") if r.strip()}
    unknown = sorted(ignore - RULES.keys())
    if unknown:
        return _usage(f"unknown rule {', '.join(unknown)} (see --list-rules)")
    categories = {Category(c) for c in (args.category or [c.value for c in Category])}

    if args.against is not None:
        if len(args.files) != 1:
            return _usage("with --against, give exactly one file: NEW.graft")
        new_file = args.files[0]
        try:
            old_text, old_file = read_at_ref(Path(new_file), args.against)
        except GitError as e:
            return _usage(str(e))
        if not Path(new_file).exists() and old_text is not None:
            old_module = _load(old_text, old_file)
            report = compare_removed(
                old_module,
                categories=categories,
                ignore=ignore,
                old_file=old_file,
                new_file=new_file,
            )
            sys.stdout.write(format_report(report, args.format, {old_file: old_text}))
            return report.exit_code
        new_text = _read(new_file)
        if old_text is None:
            new = _load(new_text, new_file)
            print(
                f"{new_file}: note: {old_file} does not exist, so every declaration is new "
                f"(module {new.name} {new.version}); nothing can break"
            )
            return 0
    else:
        if len(args.files) != 2:
            return _usage("give two files, OLD.graft NEW.graft (or NEW.graft --against GIT_REF)")
        old_file, new_file = args.files
        old_text, new_text = _read(old_file), _read(new_file)

    # Parse both before reporting, so errors in either file are shown together.
    problems: list[Diagnostic] = []
    modules: list[ugm.Module] = []
    for text, label in ((old_text, old_file), (new_text, new_file)):
        try:
            modules.append(_load(text, label))
        except DiagnosticError as e:
            problems.extend(e.diagnostics)
    if problems:
        print(render_all(problems), file=sys.stderr)
        return 1
    old, new = modules
    report = compare(
        old, new, categories=categories, ignore=ignore, old_file=old_file, new_file=new_file
    )
    sys.stdout.write(format_report(report, args.format, {old_file: old_text, new_file: new_text}))
    return report.exit_code
