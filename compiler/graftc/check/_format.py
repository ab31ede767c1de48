"""Output formats: `text` for people, `json` for tools, `github` for GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from graftcode_runtime.ugm import Span

from graftc.check._model import Category, Finding, Report
from graftc.check._rules import RULES, RULESET_VERSION

Sources = Mapping[str, str]  # file label -> its text, for showing the offending line


def _loc(span: Span | None, fallback: str) -> str:
    if span is None:
        return fallback
    return f"{span.file or fallback}:{span.line}:{span.column}"


def _snippet(span: Span | None, sources: Sources) -> list[str]:
    if span is None or not span.file or span.file not in sources or span.line <= 0:
        return []
    lines = sources[span.file].splitlines()
    if span.line > len(lines):
        return []
    text = lines[span.line - 1].rstrip("\n").expandtabs(1)
    width = 1
    if span.end_line == span.line and span.end_column > span.column:
        width = span.end_column - span.column
    return [f"    {text}", "    " + " " * (span.column - 1) + "^" + "~" * (width - 1)]


def _cat_names(cats: frozenset[Category]) -> list[str]:
    return [c.value for c in Category if c in cats]  # wire first, as in the docs


def _cats(f: Finding) -> str:
    return "/".join(_cat_names(f.cats))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def semver_line(report: Report) -> str:
    v = report.semver
    if v.required == "none":
        need = "needs no version bump"
    else:
        need = f"needs a {v.required} version bump"
    if not v.new_version:
        return f"semver: this change {need}; the module no longer exists"
    if not v.old_version:
        return f"semver: the module is new (version {v.new_version}); nothing can break"
    if v.respected is None:
        return f"semver: this change {need}; the versions are not semver, so it was not checked"
    moved = f"{v.old_version} -> {v.new_version}"
    if v.respected:
        return f"semver: this change {need}; {moved} respects it"
    if v.actual == "downgrade":
        return f"semver: this change {need}; {moved} goes backwards (use {v.suggested} or later)"
    return f"semver: this change {need}; {moved} does not respect it (use {v.suggested} or later)"


def summary_line(report: Report) -> str:
    br = report.breaking
    wire = sum(1 for f in br if Category.WIRE in f.cats)
    source = sum(1 for f in br if Category.SOURCE in f.cats)
    parts = [
        _plural(len(br), "breaking change") + (f" (wire {wire}, source {source})" if br else ""),
        _plural(len(report.warnings), "warning"),
        _plural(len(report.notes), "note"),
    ]
    head = f"{report.old_file} -> {report.new_file}: " if report.old_file else ""
    return head + ", ".join(parts)


def origin_lines(report: Report) -> list[str]:
    """Which old file the new one was compared with, when it is not the same path at the ref."""
    if report.matched_by != "module":
        return []
    return [f"{report.new_file}: compared with {report.old_file}, which declared the same module"]


def format_text(report: Report, sources: Sources) -> str:
    out = origin_lines(report)
    for f in report.findings:
        primary, other, label = (f.new, f.old, "old") if f.new else (f.old, None, "")
        where = _loc(primary, report.old_file if f.old and not f.new else report.new_file)
        cats = f" ({_cats(f)})" if f.cats else ""
        out.append(f"{where}: {f.severity}[{f.rule.id}]{cats}: {f.message}")
        out.extend(_snippet(primary, sources))
        if other is not None:
            out.append(f"    {label}: {_loc(other, report.old_file)}")
    out.append(summary_line(report))
    out.append(semver_line(report))
    return "\n".join(out) + "\n"


def _span_json(span: Span | None, fallback: str) -> dict[str, Any] | None:
    if span is None:
        return None
    return {
        "file": span.file or fallback,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def report_json(report: Report) -> dict[str, Any]:
    v = report.semver
    return {
        "ruleset": RULESET_VERSION,
        "old": {
            "file": report.old_file,
            "matched_by": report.matched_by or None,
            "version": report.old_version,
            "schema_hash": report.old_hash,
        },
        "new": {
            "file": report.new_file,
            "version": report.new_version,
            "schema_hash": report.new_hash,
        },
        "categories": _cat_names(report.categories),
        "findings": [
            {
                "rule": f.rule.id,
                "severity": f.severity,
                "categories": _cat_names(f.cats),
                "message": f.message,
                "path": f.path,
                "old": _span_json(f.old, report.old_file),
                "new": _span_json(f.new, report.new_file),
            }
            for f in report.findings
        ],
        "summary": {
            "breaking": len(report.breaking),
            "warnings": len(report.warnings),
            "notes": len(report.notes),
        },
        "semver": {
            "required": v.required,
            "old_version": v.old_version,
            "new_version": v.new_version,
            "actual": v.actual,
            "respected": v.respected,
            "suggested": v.suggested,
        },
        "exit_code": report.exit_code,
    }


def format_json(report: Report, sources: Sources) -> str:
    return json.dumps(report_json(report), indent=2) + "\n"


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


_GH_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def format_github(report: Report, sources: Sources) -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on the new file."""
    out = origin_lines(report)
    for f in report.findings:
        span = f.new or f.old
        props = [f"title={_gh_prop(f.rule.id)}"]
        if span is not None:
            file = span.file or (report.new_file if f.new else report.old_file)
            props = [
                f"file={_gh_prop(file)}",
                f"line={span.line}",
                f"col={span.column}",
                f"endLine={span.end_line}",
                f"endColumn={span.end_column}",
                *props,
            ]
        msg = f.message
        if f.new is not None and f.old is not None:
            msg += f" (old: {_loc(f.old, report.old_file)})"
        out.append(f"::{_GH_LEVEL[f.severity]} {','.join(props)}::{_gh_data(msg)}")
    out.append(summary_line(report))
    out.append(semver_line(report))
    return "\n".join(out) + "\n"


FORMATS: dict[str, Callable[[Report, Sources], str]] = {
    "text": format_text,
    "json": format_json,
    "github": format_github,
}


def format_report(report: Report, fmt: str = "text", sources: Sources | None = None) -> str:
    return FORMATS[fmt](report, sources or {})


def format_rules(fmt: str = "text") -> str:
    """The rule catalogue (`graftc check --list-rules`)."""
    rules = sorted(RULES.values(), key=lambda r: r.id)
    if fmt == "json":
        data = [
            {
                "id": r.id,
                "purpose": r.purpose,
                "categories": _cat_names(r.categories),
                "severity": r.severity,
                "bump": r.bump,
            }
            for r in rules
        ]
        return json.dumps({"ruleset": RULESET_VERSION, "rules": data}, indent=2) + "\n"
    width = max(len(r.id) for r in rules)
    lines = []
    for r in rules:
        cats = "/".join(_cat_names(r.categories)) or "-"
        lines.append(f"{r.id:<{width}}  {r.severity:<7}  {cats:<11}  {r.purpose}")
    return "\n".join(lines) + "\n"
