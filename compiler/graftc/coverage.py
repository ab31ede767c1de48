"""`graftc export --report`: per public member, exported or refused and why, and the totals.

The members counted are those `member_names` names: each service function, each class method,
property and constructor, and each record, enum and error as a whole. A refused member's
reasons are its export problems; each reason falls in a category (the first rule of `_RULES`
whose words are in the message), so a library's figures say at a glance what is missing for
good (a callable cannot cross a process boundary) and what a later IDL feature would bring.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from graftcode_runtime.introspect import Export, Problem
from graftcode_runtime.introspect._closure import member_names

# (category, words any of which in a problem's message put it there); the first match wins, and
# the order is also the order of precedence when a member has several reasons.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("callable", ("functions cannot be sent", "Callable[")),
    ("not-a-def", ("not a function or class",)),
    ("stream", ("stream",)),
    ("varargs", ("variadic parameters", "arbitrary keyword arguments")),
    ("untyped", ("says nothing about the value",)),
    ("unannotated", ("no type annotation", "no return annotation", "cannot be resolved")),
    ("foreign-type", ("is not a record, enum or class this module exports",)),
    ("generic-type", ("is a generic type the IDL cannot describe",)),
    ("type-variable", ("the IDL has no generics",)),
    ("literal-kind", ("mixes literal values", "mixes str and int literals", "only str and int")),
    ("map-key", ("map keys must be",)),
    ("uses-refused", ("a declaration that was left out",)),
)
# The categories that no IDL feature will bring across: a function of the calling process, a
# live object of a package the module does not own, a value of any type (`Any`, `object`: the
# IDL types every value so that clients in every language are typed). The others need an IDL
# feature (streams, variadic parameters) or a change to the library (annotations).
CANNOT_CROSS = frozenset({"callable", "foreign-type", "untyped"})


def category(message: str) -> str:
    for name, words in _RULES:
        if any(w in message for w in words):
            return name
    return "other"


@dataclass(frozen=True)
class Row:
    name: str
    exported: bool
    category: str = ""
    reasons: tuple[str, ...] = ()
    where: str = ""  # file:line of the first reason, relative to the package's directory


@dataclass(frozen=True)
class Report:
    module: str
    version: str
    rows: tuple[Row, ...]

    @property
    def exported(self) -> int:
        return sum(r.exported for r in self.rows)

    @property
    def refused(self) -> int:
        return len(self.rows) - self.exported

    @property
    def percent(self) -> int:
        return round(100 * self.exported / len(self.rows)) if self.rows else 100

    def by_category(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.rows:
            if not r.exported:
                counts[r.category] = counts.get(r.category, 0) + 1
        return dict(sorted(counts.items()))


def build_report(result: Export, root: str) -> Report:
    """The report of an export made with `skip_unsupported`; `root` is the directory paths
    are shown relative to (the one holding the module's top package)."""
    service = next((d.name for d in result.module.services), result.module.name)
    exported = {n for d in result.module.decls for n in member_names(d, service)}
    problems: dict[str, list[Problem]] = {}
    for p in result.refused:
        problems.setdefault(p.member, []).append(p)
    rows = [Row(n, True) for n in exported if n not in problems]
    for name, found in problems.items():
        cats = [category(p.message) for p in found]
        order = [c for c, _ in _RULES] + ["other"]
        first = found[0]
        where = _relative(first.file, root) + (f":{first.line}" if first.line > 0 else "")
        rows.append(
            Row(
                name,
                False,
                min(cats, key=order.index),
                tuple(dict.fromkeys(p.message for p in found)),
                where,
            )
        )
    rows.sort(key=lambda r: r.name)
    return Report(result.module.name, result.module.version, tuple(rows))


def _relative(file: str, root: str) -> str:
    try:
        relative = os.path.relpath(file, root)
    except ValueError:
        return file
    return file if relative.startswith("..") else relative


def render_text(report: Report) -> str:
    lines = [f"coverage of {report.module} {report.version}"]
    for r in report.rows:
        if r.exported:
            lines.append(f"  exported  {r.name}")
        else:
            why = f"{r.category}, cannot cross" if r.category in CANNOT_CROSS else r.category
            lines.append(f"  refused   {r.name} [{why}] {r.where}")
            lines += [f"              {reason}" for reason in r.reasons]
    lines.append(
        f"total: {len(report.rows)} members, {report.exported} exported, {report.refused} "
        f"refused ({report.percent}% exported)"
    )
    if report.refused:
        cats = ", ".join(f"{c} {n}" for c, n in report.by_category().items())
        lines.append(f"refused by category: {cats}")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    data: dict[str, Any] = {
        "module": report.module,
        "version": report.version,
        "members": [
            {"name": r.name, "exported": True}
            if r.exported
            else {
                "name": r.name,
                "exported": False,
                "category": r.category,
                "cannot_cross": r.category in CANNOT_CROSS,
                "reasons": list(r.reasons),
                "where": r.where,
            }
            for r in report.rows
        ],
        "totals": {
            "members": len(report.rows),
            "exported": report.exported,
            "refused": report.refused,
            "percent": report.percent,
            "refused_by_category": report.by_category(),
        },
    }
    return json.dumps(data, indent=2) + "\n"
