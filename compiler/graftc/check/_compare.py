"""`compare`: findings for a pair of modules, filtered, with the semver verdict attached."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from graftcode_runtime import ugm

from graftc.check._engine import find_changes, run_rules
from graftc.check._model import BOTH, Category, Finding, Report, SemverVerdict
from graftc.check._pairs import VersionPair
from graftc.check._rules import RULES
from graftc.check._semver import required_bump, verdict


class UnknownRuleError(ValueError):
    """An `--ignore` named a rule that does not exist (a typo would silently ignore nothing)."""


def _filter(categories: Iterable[Category], ignore: Iterable[str]) -> Callable[[Finding], bool]:
    """Keeps findings of rules not ignored that break one of `categories`, and every finding
    without a category (the additive notes)."""
    cats = frozenset(categories)
    ignored = frozenset(ignore)
    unknown = sorted(ignored - RULES.keys())
    if unknown:
        raise UnknownRuleError(f"unknown rule id(s): {', '.join(unknown)}")
    return lambda f: f.rule.id not in ignored and (not f.cats or bool(f.cats & cats))


def compare(
    old: ugm.Module,
    new: ugm.Module,
    *,
    categories: Iterable[Category] = BOTH,
    ignore: Iterable[str] = (),
    old_file: str = "",
    new_file: str = "",
) -> Report:
    """Compare two versions of a module.

    `categories` keeps the breaking findings that break at least one of them (findings with no
    category, the additive notes, are always kept); `ignore` drops rules by id.
    """
    cats = frozenset(categories)
    keep = _filter(cats, ignore)
    found = find_changes(old, new, old_file=old_file, new_file=new_file)
    findings = [f for f in found if keep(f)]
    # The version rules judge the bump the kept findings need, so they run after the filter.
    need = required_bump(findings)
    v = verdict(old.version, new.version, need)
    about_version: list[Finding] = []
    run_rules(VersionPair(old, new, need, v), about_version)
    findings += [f for f in about_version if keep(f)]
    return Report(
        old_file=old_file,
        new_file=new_file,
        old_version=old.version,
        new_version=new.version,
        old_hash=ugm.schema_hash(old),
        new_hash=ugm.schema_hash(new),
        findings=tuple(findings),
        semver=v,
        categories=cats,
    )


def compare_removed(
    old: ugm.Module,
    *,
    categories: Iterable[Category] = BOTH,
    ignore: Iterable[str] = (),
    old_file: str = "",
    new_file: str = "",
) -> Report:
    """The report for a module whose file no longer exists (`graftc check NEW --against REF`)."""
    cats = frozenset(categories)
    keep = _filter(cats, ignore)
    found = find_changes(old, None, old_file=old_file, new_file=new_file)
    findings = tuple(f for f in found if keep(f))
    return Report(
        old_file=old_file,
        new_file=new_file,
        old_version=old.version,
        new_version="",
        old_hash=ugm.schema_hash(old),
        new_hash="",
        findings=findings,
        semver=SemverVerdict(required_bump(findings), old.version, "", "unknown", None, None),
        categories=cats,
    )


def compare_added(
    new: ugm.Module,
    *,
    categories: Iterable[Category] = BOTH,
    ignore: Iterable[str] = (),
    old_file: str = "",
    new_file: str = "",
) -> Report:
    """The report for a module that did not exist before: every declaration is new."""
    cats = frozenset(categories)
    keep = _filter(cats, ignore)
    found = find_changes(None, new, old_file=old_file, new_file=new_file)
    return Report(
        old_file=old_file,
        new_file=new_file,
        old_version="",
        new_version=new.version,
        old_hash="",
        new_hash=ugm.schema_hash(new),
        findings=tuple(f for f in found if keep(f)),
        # Nothing existed to break, so the additions ask for no bump.
        semver=SemverVerdict("none", "", new.version, "unknown", None, None),
        categories=cats,
    )
