"""The checker's vocabulary: categories, rules, findings and where a finding points.

A `Rule` is one object (like buf's breaking rules): an id, a one-line purpose, the categories it
can break, a default severity, and the check function that finds it (`_binding.rule` builds
them). A check reports `Finding`s through an `Emit`; a finding may narrow the rule's categories
(a field removed from a record that callers only send is not a wire break) but never widens them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from graftcode_runtime.ugm import Span

Severity = Literal["error", "warning", "note"]
Bump = Literal["major", "minor", "patch", "none"]

BUMP_ORDER: tuple[Bump, ...] = ("none", "patch", "minor", "major")


class Category(enum.Enum):
    """What a change can break.

    WIRE: an old caller (a client generated from the old IDL, not regenerated) now fails at run
    time or silently means something else. SOURCE: code written against the old generated client
    no longer type-checks, or behaves differently, once the client is regenerated.
    """

    WIRE = "wire"
    SOURCE = "source"


WIRE = Category.WIRE
SOURCE = Category.SOURCE
BOTH: frozenset[Category] = frozenset({WIRE, SOURCE})
NONE: frozenset[Category] = frozenset()


@dataclass(frozen=True)
class Rule:
    id: str
    purpose: str
    categories: frozenset[Category]
    severity: Severity
    bump: Bump  # the smallest semver bump a change this rule reports needs
    # check(pair, emit) runs on every pair whose class is one of `levels` (see _pairs.py).
    check: Callable[[Any, Emit], None] = field(compare=False, repr=False)
    levels: tuple[type, ...] = field(compare=False, repr=False)

    @property
    def additive(self) -> bool:
        return self.severity == "note"


@dataclass(frozen=True)
class Finding:
    rule: Rule
    message: str
    path: str  # dotted name of what changed, e.g. "shop.price_of(quantity)"
    old: Span | None = None
    new: Span | None = None
    categories: frozenset[Category] | None = None  # None: the rule's own
    severity_override: Severity | None = None
    bump_override: Bump | None = None

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @property
    def severity(self) -> Severity:
        return self.severity_override or self.rule.severity

    @property
    def bump(self) -> Bump:
        return self.bump_override or self.rule.bump

    @property
    def cats(self) -> frozenset[Category]:
        return self.rule.categories if self.categories is None else self.categories

    @property
    def breaking(self) -> bool:
        return self.severity == "error"


class Emit:
    """What a check calls to report a finding; it files the finding under the check's own rule,
    so a check cannot speak for another rule."""

    def __init__(self, rule: Rule, into: list[Finding]) -> None:
        self.rule = rule
        self._into = into

    def __call__(
        self,
        message: str,
        path: str,
        old: object = None,
        new: object = None,
        *,
        categories: frozenset[Category] | None = None,
        severity: Severity | None = None,
    ) -> None:
        """`old` and `new` are the nodes to point at (their spans); `categories` narrows the
        rule's to what this change breaks (a rule without categories takes them as given)."""
        rule = self.rule
        if categories is not None and rule.categories:
            categories &= rule.categories
        spans = getattr(old, "span", None), getattr(new, "span", None)
        self._into.append(Finding(rule, message, path, *spans, categories, severity))


@dataclass(frozen=True)
class SemverVerdict:
    """The smallest bump the change needs and whether the new version number gives it."""

    required: Bump
    old_version: str
    new_version: str
    actual: Bump | Literal["downgrade", "unknown"]
    respected: bool | None  # None when a version is not semver
    suggested: str | None  # the smallest version that respects `required`


@dataclass(frozen=True)
class Report:
    old_file: str
    new_file: str
    old_version: str
    new_version: str
    old_hash: str
    new_hash: str
    findings: tuple[Finding, ...]
    semver: SemverVerdict
    categories: frozenset[Category] = field(default=BOTH)
    # With --against, how the old file was found: "path" (the new file's path at the ref) or
    # "module" (the file that declared the same module there: the file moved). "" otherwise.
    matched_by: Literal["path", "module", ""] = ""

    @property
    def breaking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def notes(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "note")

    @property
    def exit_code(self) -> int:
        return 1 if self.breaking else 0
