"""Semantic versioning: the smallest bump a set of findings needs, and whether a version gives it.

Below 1.0.0 we follow Cargo's reading of semver: in 0.y.z the minor number plays the role of the
major (a breaking change needs 0.(y+1).0) and the patch number that of the minor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from graftc.check._model import BUMP_ORDER, Bump, Finding, SemverVerdict

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def parse_version(text: str) -> tuple[int, int, int, str | None] | None:
    m = _SEMVER.match(text)
    if m is None:
        return None
    return int(m[1]), int(m[2]), int(m[3]), m[4]


def required_bump(findings: Iterable[Finding]) -> Bump:
    need: Bump = "none"
    for f in findings:
        if BUMP_ORDER.index(f.bump) > BUMP_ORDER.index(need):
            need = f.bump
    return need


_ZERO_MAJOR: dict[Bump, Bump] = {"major": "minor", "minor": "patch", "patch": "patch"}


def _effective(bump: Bump, major: int) -> Bump:
    """What a bump of the given kind means for a version whose major number is `major`."""
    if major > 0 or bump == "none":
        return bump
    return _ZERO_MAJOR[bump]


def suggest(old: str, need: Bump) -> str | None:
    v = parse_version(old)
    if v is None:
        return None
    major, minor, patch, _pre = v
    kind = _effective(need, major)
    if kind == "major":
        return f"{major + 1}.0.0"
    if kind == "minor":
        return f"{major}.{minor + 1}.0"
    if kind == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return old


def verdict(old: str, new: str, need: Bump) -> SemverVerdict:
    a, b = parse_version(old), parse_version(new)
    if a is None or b is None:
        return SemverVerdict(need, old, new, "unknown", None, None)
    actual: Bump | Literal["downgrade"]
    if b[:3] < a[:3] or (b[:3] == a[:3] and a[3] is None and b[3] is not None):
        actual = "downgrade"
    elif b[0] > a[0]:
        actual = "major"
    elif b[1] > a[1]:
        actual = "major" if a[0] == 0 else "minor"  # 0.1 -> 0.2 may break (see module doc)
    elif b[2] > a[2]:
        actual = "minor" if a[0] == 0 else "patch"
    else:
        actual = "none"
    if actual == "downgrade":
        respected = False
    elif a[3] is not None:
        respected = True  # a pre-release promises nothing to its successors
    else:
        respected = BUMP_ORDER.index(actual) >= BUMP_ORDER.index(need)
    return SemverVerdict(need, old, new, actual, respected, suggest(old, need))
