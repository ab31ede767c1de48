"""The checker's vocabulary: categories, rules, findings and where a finding points.

A `Rule` is a small named object (like buf's breaking rules): an id, a one-line purpose, the
categories it can break and a default severity. The engine emits `Finding`s that name a rule; a
finding may narrow the rule's categories (a field removed from a record that callers only send is
not a wire break) but never widens them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

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
