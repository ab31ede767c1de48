"""Rules on declarations, and the deprecation rules, which apply to every element."""

from __future__ import annotations

from typing import Any

from graftcode_runtime import ugm

from graftc.check._binding import rule
from graftc.check._model import BOTH, NONE, SOURCE, Emit
from graftc.check._pairs import DeclPair, Element, ModulePair
from graftc.check._rules._shared import announced, removed_unannounced
from graftc.check._text import decl_kind

S = frozenset({SOURCE})


@rule("Records are not removed.", S, "error", "major")
def RECORD_REMOVED(pair: DeclPair, emit: Emit) -> None:
    if isinstance(pair.old, ugm.Record):
        removed_unannounced(pair, emit)


@rule("Enums are not removed.", S, "error", "major")
def ENUM_REMOVED(pair: DeclPair, emit: Emit) -> None:
    if isinstance(pair.old, ugm.Enum):
        removed_unannounced(pair, emit)


@rule("Error types are not removed.", S, "error", "major")
def ERROR_REMOVED(pair: DeclPair, emit: Emit) -> None:
    if isinstance(pair.old, ugm.Error):
        removed_unannounced(pair, emit)


@rule("Services are not removed.", BOTH, "error", "major")
def SERVICE_REMOVED(pair: DeclPair, emit: Emit) -> None:
    if isinstance(pair.old, ugm.Service):
        removed_unannounced(pair, emit)


@rule("Classes are not removed.", BOTH, "error", "major")
def CLASS_REMOVED(pair: DeclPair, emit: Emit) -> None:
    if isinstance(pair.old, ugm.Class):
        removed_unannounced(pair, emit)


@rule("A declaration keeps its kind (record, enum, error, service, class).", BOTH, "error", "major")
def DECL_KIND_CHANGED(pair: DeclPair, emit: Emit) -> None:
    d, nd = pair.old, pair.new
    if d is not None and nd is not None and type(d) is not type(nd):
        emit(f"{d.name} changed from {decl_kind(d)} to {decl_kind(nd)}", d.name, d, nd)


@rule(
    "A member is removed only after a version that deprecated it (allowed, still a major bump).",
    BOTH,
    "warning",
    "major",
)
def DEPRECATED_REMOVED(pair: Element[Any], emit: Emit) -> None:
    if not (pair.removed and announced(pair)):
        return
    reason = ugm.deprecation(pair.old)
    why = f' ("{reason}")' if reason else ""
    whom = "it" if reason is not None else "what contains it"
    old_module = pair.module.old
    assert old_module is not None
    emit(
        f"{pair.removed_what} was removed; version {old_module.version} had deprecated {whom}{why}",
        pair.path,
        pair.old,
        pair.new_parent,
        categories=pair.removal_breaks,
    )


@rule(
    "Something was marked @deprecated (it may be removed in a later major version).",
    NONE,
    "note",
    "minor",
)
def DEPRECATION_ADDED(pair: ModulePair | Element[Any], emit: Emit) -> None:
    if isinstance(pair, ModulePair):
        if pair.old is None or pair.new is None:
            return
        what, path = f"module {pair.new.name}", pair.new.name
    elif pair.kept:
        what, path = pair.what, pair.path
    else:
        return
    if ugm.deprecation(pair.old) is None and ugm.deprecation(pair.new) is not None:
        emit(f"{what} is now deprecated", path, pair.old, pair.new)


@rule(
    "An error type keeps its base error, so `except Base` keeps catching it.", S, "error", "major"
)
def ERROR_BASE_CHANGED(pair: DeclPair, emit: Emit) -> None:
    d, nd = pair.old, pair.new
    if isinstance(d, ugm.Error) and isinstance(nd, ugm.Error) and d.base != nd.base:
        emit(
            f"error {d.name} changed its base from {d.base or '(none)'} to {nd.base or '(none)'}",
            d.name,
            d,
            nd,
        )


@rule("A declaration was added (additive).", NONE, "note", "minor")
def DECL_ADDED(pair: DeclPair, emit: Emit) -> None:
    if pair.added:
        whole = " (new module)" if pair.parent.old is None else ""
        emit(f"{pair.what} was added{whole}", pair.name, None, pair.new)
