"""Rules on enum members (an enum travels as its member's value, like a protobuf number)."""

from __future__ import annotations

from graftc.check._binding import rule
from graftc.check._model import BOTH, NONE, SOURCE, WIRE, Emit
from graftc.check._pairs import EnumMemberPair
from graftc.check._rules._shared import removed_unannounced
from graftc.check._types import Flow


@rule("Enum members are not removed.", BOTH, "error", "major")
def ENUM_VALUE_REMOVED(pair: EnumMemberPair, emit: Emit) -> None:
    removed_unannounced(pair, emit)


@rule(
    "An enum member keeps its value (the value is what travels).",
    frozenset({WIRE}),
    "error",
    "major",
)
def ENUM_VALUE_CHANGED(pair: EnumMemberPair, emit: Emit) -> None:
    m, nm = pair.old, pair.new
    if pair.kept and m is not None and nm is not None and m.value != nm.value:
        emit(f"{pair.what} changed its value from {m.value!r} to {nm.value!r}", pair.path, m, nm)


@rule(
    "An enum member keeps its name (the wire is unaffected, code is not).",
    frozenset({SOURCE}),
    "error",
    "major",
)
def ENUM_VALUE_RENAMED(pair: EnumMemberPair, emit: Emit) -> None:
    m, alias = pair.old, pair.new
    if pair.renamed and m is not None and alias is not None:
        emit(f"{pair.what} (value {m.value!r}) was renamed to {alias.name}", pair.path, m, alias)


@rule(
    "An enum member was added (additive; a warning when old callers may receive it).",
    NONE,
    "note",
    "minor",
)
def ENUM_VALUE_ADDED(pair: EnumMemberPair, emit: Emit) -> None:
    nm = pair.new
    if not pair.added or nm is None:
        return
    msg = f"member {nm.name} (value {nm.value!r}) was added to enum {pair.parent.name}"
    if pair.flow & Flow.OUT:
        emit(
            msg + "; old callers that receive it cannot decode it",
            pair.path,
            pair.parent.old,
            nm,
            categories=frozenset({WIRE}),
            severity="warning",
        )
    else:
        emit(msg, pair.path, pair.parent.old, nm)
