"""`compare`: findings for a pair of modules, filtered, with the semver verdict attached."""

from __future__ import annotations

from collections.abc import Iterable

from graftcode_runtime import ugm

from graftc.check import _rules as R
from graftc.check._engine import find_changes
from graftc.check._model import BOTH, Bump, Category, Finding, Report, SemverVerdict
from graftc.check._semver import required_bump, verdict


class UnknownRuleError(ValueError):
    """An `--ignore` named a rule that does not exist (a typo would silently ignore nothing)."""


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
    ignored = frozenset(ignore)
    unknown = sorted(ignored - R.RULES.keys())
    if unknown:
        raise UnknownRuleError(f"unknown rule id(s): {', '.join(unknown)}")

    def keep(f: Finding) -> bool:
        return f.rule.id not in ignored and (not f.cats or bool(f.cats & cats))

    findings = [f for f in find_changes(old, new) if keep(f)]
    need = required_bump(findings)
    v = verdict(old.version, new.version, need)
    if v.respected is None and R.VERSION_NOT_SEMVER.id not in ignored:
        findings.append(
            Finding(
                R.VERSION_NOT_SEMVER,
                f'cannot check the version bump: "{old.version}" -> "{new.version}" is not '
                f"MAJOR.MINOR.PATCH (this change needs a {need} bump)",
                new.name,
                old.span,
                new.span,
            )
        )
    elif v.respected is False and R.VERSION_BUMP_TOO_SMALL.id not in ignored:
        if v.actual == "downgrade":
            msg = f"the version went down from {old.version} to {new.version}"
        else:
            msg = (
                f"this change needs a {need} version bump (to {v.suggested} or later), "
                f"but the version went from {old.version} to {new.version}"
            )
        findings.append(
            Finding(
                R.VERSION_BUMP_TOO_SMALL,
                msg,
                new.name,
                old.span,
                new.span,
                severity_override="error" if need == "major" or v.actual == "downgrade" else None,
            )
        )
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
    ignored = frozenset(ignore)
    unknown = sorted(ignored - R.RULES.keys())
    if unknown:
        raise UnknownRuleError(f"unknown rule id(s): {', '.join(unknown)}")
    findings: tuple[Finding, ...] = ()
    if R.MODULE_REMOVED.id not in ignored and R.MODULE_REMOVED.categories & cats:
        why = "" if ugm.deprecation(old) is None else " (it was deprecated)"
        findings = (
            Finding(
                R.MODULE_REMOVED,
                f"module {old.name} {old.version} was removed: {new_file} no longer exists{why}",
                old.name,
                old.span,
                None,
            ),
        )
    need: Bump = "major" if findings else "none"
    return Report(
        old_file=old_file,
        new_file=new_file,
        old_version=old.version,
        new_version="",
        old_hash=ugm.schema_hash(old),
        new_hash="",
        findings=findings,
        semver=SemverVerdict(need, old.version, "", "unknown", None, None),
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
    ignored = frozenset(ignore)
    unknown = sorted(ignored - R.RULES.keys())
    if unknown:
        raise UnknownRuleError(f"unknown rule id(s): {', '.join(unknown)}")
    findings: tuple[Finding, ...] = ()
    if R.DECL_ADDED.id not in ignored:
        findings = tuple(
            Finding(
                R.DECL_ADDED,
                f"{_decl_kind(d)} {d.name} was added (new module)",
                d.name,
                None,
                d.span,
            )
            for d in new.decls
        )
    return Report(
        old_file=old_file,
        new_file=new_file,
        old_version="",
        new_version=new.version,
        old_hash="",
        new_hash=ugm.schema_hash(new),
        findings=findings,
        semver=SemverVerdict("none", "", new.version, "unknown", None, None),
        categories=frozenset(categories),
    )


def _decl_kind(d: ugm.Decl) -> str:
    return type(d).__name__.lower()
