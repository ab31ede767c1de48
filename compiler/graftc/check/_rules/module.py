"""Rules on the module as a whole: its name, its file, its version number."""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.check._binding import rule
from graftc.check._model import BOTH, NONE, Emit
from graftc.check._pairs import ModulePair, VersionPair


@rule("The module keeps its name.", BOTH, "error", "major")
def MODULE_RENAMED(pair: ModulePair, emit: Emit) -> None:
    old, new = pair.old, pair.new
    if old is not None and new is not None and old.name != new.name:
        emit(f'module "{old.name}" was renamed to "{new.name}"', new.name, old, new)


@rule("A module's IDL file is not deleted (checked with --against).", BOTH, "error", "major")
def MODULE_REMOVED(pair: ModulePair, emit: Emit) -> None:
    old = pair.old
    if old is not None and pair.new is None:
        why = "" if ugm.deprecation(old) is None else " (it was deprecated)"
        emit(
            f"module {old.name} {old.version} was removed: {pair.new_file} no longer exists{why}",
            old.name,
            old,
        )


@rule(
    "The new version number is at least the smallest semver bump the change needs.",
    NONE,
    "warning",
    "none",
)
def VERSION_BUMP_TOO_SMALL(pair: VersionPair, emit: Emit) -> None:
    v, old, new = pair.verdict, pair.old, pair.new
    if v.respected is not False:
        return
    if v.actual == "downgrade":
        msg = f"the version went down from {old.version} to {new.version}"
    else:
        msg = (
            f"this change needs a {pair.need} version bump (to {v.suggested} or later), "
            f"but the version went from {old.version} to {new.version}"
        )
    # Shipping a break or going backwards under a minor number misleads every consumer.
    fails = pair.need == "major" or v.actual == "downgrade"
    emit(msg, new.name, old, new, severity="error" if fails else None)


@rule(
    "Module versions are MAJOR.MINOR.PATCH, so the needed bump can be checked.",
    NONE,
    "note",
    "none",
)
def VERSION_NOT_SEMVER(pair: VersionPair, emit: Emit) -> None:
    old, new = pair.old, pair.new
    if pair.verdict.respected is None:
        emit(
            f'cannot check the version bump: "{old.version}" -> "{new.version}" is not '
            f"MAJOR.MINOR.PATCH (this change needs a {pair.need} bump)",
            new.name,
            old,
            new,
        )
