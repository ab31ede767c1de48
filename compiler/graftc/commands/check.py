"""`graftc check`: review an IDL change for breaking changes, like `buf breaking`.

    graftc check OLD.graft NEW.graft
    graftc check NEW.graft --against main       # its module at a git revision (moves followed)
    graftc check api/*.graft --against main     # every file, each against its own past

Exit codes: 0 nothing breaks, 1 something breaks (or an input does not parse), 2 usage errors.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from graftcode_runtime import ugm

from graftc.check import (
    FORMATS,
    RULES,
    Category,
    Counterpart,
    GitError,
    Report,
    compare,
    compare_added,
    compare_removed,
    counterparts,
    format_report,
    format_rules,
    report_json,
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
        "files",
        nargs="*",
        metavar="FILE",
        help="OLD.graft NEW.graft, or with --against one or more NEW.graft",
    )
    p.add_argument(
        "--against",
        metavar="GIT_REF",
        help="compare each NEW.graft with the file that declared the same module at this git "
        "revision (the same path when none did)",
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
    from graftc.idl import check, parse, semver_key  # late: lark is only needed for IDL

    if not label.endswith(".json"):
        return parse(text, label)
    try:
        module = ugm.loads(text)
    # The document is user input: any shape of it (null, a list, nesting deeper than the
    # decoder's recursion) is a "not a UGM document" error, never a crash.
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise DiagnosticError([Diagnostic(label, 0, 0, f"not a UGM JSON document: {e}")]) from None
    # A .graft file is checked as it is parsed; a JSON model must pass the same checks, or
    # the comparison would reason about types that do not exist. Its version is the one
    # exception: models from other tools may not use semver, which VERSION_NOT_SEMVER reports.
    checked = module
    if semver_key(module.version) is None:
        checked = dataclasses.replace(module, version=f"{2**31}.0.0")  # no @since is later
    problems = [
        Diagnostic(label, 0, 0, d.message) if d.line <= 0 or d.file.startswith("<") else d
        for d in check(checked)
    ]
    if problems:
        raise DiagnosticError(problems)
    return module


def _read(path: str) -> str:
    """The file's text, read like `graftc parse` reads it (byte order mark, line:col of a bad
    byte), so a file that parses is never refused here."""
    from graftc.idl import read_source

    return read_source(path)


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
    options = {
        "categories": {Category(c) for c in (args.category or [c.value for c in Category])},
        "ignore": ignore,
    }

    outcomes: list[tuple[Report, dict[str, str]] | None] = []
    if args.against is not None:
        if not args.files:
            return _usage("with --against, give the files to check: NEW.graft ...")
        try:
            matches = counterparts(args.files, args.against)
        except GitError as e:
            return _usage(str(e))
        for match in matches:
            if match.moved_to is not None:
                continue  # the report of the file it moved to covers it
            if match.duplicates:
                _duplicate(match)
                outcomes.append(None)
                continue
            outcome = _against(match.old_text, match.old_file, match.new_file, options)
            if outcome is not None:
                outcome = dataclasses.replace(outcome[0], matched_by=match.matched_by), outcome[1]
            outcomes.append(outcome)
    else:
        if len(args.files) != 2:
            return _usage("give two files, OLD.graft NEW.graft (or NEW.graft --against GIT_REF)")
        old_file, new_file = args.files
        outcomes.append(_pair(_read(old_file), old_file, _read(new_file), new_file, options))

    reports = [o for o in outcomes if o is not None]
    if args.format == "json" and len(args.files) > 1 and args.against is not None:
        data = {"reports": [report_json(r) for r, _ in reports]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        for report, sources in reports:
            sys.stdout.write(format_report(report, args.format, sources))
    worst = max((r.exit_code for r, _ in reports), default=0)
    return 1 if None in outcomes else worst


def _duplicate(match: Counterpart) -> None:
    others = ", ".join(match.duplicates)
    message = (
        f"declares the same module as {others}: a module lives in one file, so its past at the"
        " ref cannot be matched (rename one module, or compare OLD NEW explicitly)"
    )
    print(render_all([Diagnostic(match.new_file, 0, 0, message)]), file=sys.stderr)


def _pair(
    old_text: str, old_file: str, new_text: str, new_file: str, options: dict[str, Any]
) -> tuple[Report, dict[str, str]] | None:
    """Compare two texts; None (after printing every parse error of both) when one is invalid."""
    problems: list[Diagnostic] = []
    modules: list[ugm.Module] = []
    for text, label in ((old_text, old_file), (new_text, new_file)):
        try:
            modules.append(_load(text, label))
        except DiagnosticError as e:
            problems.extend(e.diagnostics)
    if problems:
        print(render_all(problems), file=sys.stderr)
        return None
    old, new = modules
    report = compare(old, new, old_file=old_file, new_file=new_file, **options)
    return report, {old_file: old_text, new_file: new_text}


def _against(
    old_text: str | None, old_file: str, new_file: str, options: dict[str, Any]
) -> tuple[Report, dict[str, str]] | None:
    """One file against its version at the ref: changed, deleted since, or new since."""
    if not Path(new_file).exists() and old_text is not None:
        try:
            old = _load(old_text, old_file)
        except DiagnosticError as e:
            print(render_all(e.diagnostics), file=sys.stderr)
            return None
        report = compare_removed(old, old_file=old_file, new_file=new_file, **options)
        return report, {old_file: old_text}
    new_text = _read(new_file)
    if old_text is None:
        try:
            new = _load(new_text, new_file)
        except DiagnosticError as e:
            print(render_all(e.diagnostics), file=sys.stderr)
            return None
        report = compare_added(new, old_file=old_file, new_file=new_file, **options)
        return report, {new_file: new_text}
    return _pair(old_text, old_file, new_text, new_file, options)
