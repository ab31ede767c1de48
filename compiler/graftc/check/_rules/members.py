"""Rules on the members of services and classes: methods, constructors, properties, setters,
and the errors they declare."""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.check._binding import rule
from graftc.check._model import BOTH, NONE, SOURCE, Emit
from graftc.check._pairs import (
    ConstructorPair,
    MethodPair,
    PropertyPair,
    PropertyTypePair,
    RaisesPair,
    ReturnTypePair,
    SetterPair,
)
from graftc.check._rules._shared import incompatible_type, removed_unannounced


@rule("Methods are not removed.", BOTH, "error", "major")
def METHOD_REMOVED(pair: MethodPair, emit: Emit) -> None:
    removed_unannounced(pair, emit)


@rule("A method's return type changes only in ways old callers accept.", BOTH, "error", "major")
def METHOD_RETURN_TYPE_CHANGED(t: ReturnTypePair, emit: Emit) -> None:
    incompatible_type(t, emit)


@rule("A method stays static or stays an instance method.", BOTH, "error", "major")
def METHOD_STATIC_CHANGED(pair: MethodPair, emit: Emit) -> None:
    m, nm = pair.old, pair.new
    if m is not None and nm is not None and m.static != nm.static:
        was, now = ("static", "an instance method") if m.static else ("instance", "static")
        emit(f"{pair.what} was {was} and is now {now}", pair.path, m, nm)


@rule(
    "A method keeps the errors it declares (handlers for it become dead code).",
    frozenset({SOURCE}),
    "warning",
    "minor",
)
def METHOD_ERROR_REMOVED(r: RaisesPair, emit: Emit) -> None:
    owner = r.parent
    if r.removed:
        emit(
            f"{owner.path} no longer declares that it raises {r.old}",
            owner.path,
            owner.old,
            owner.new,
        )


@rule(
    "A method declares a new error (old callers see it as a RemoteError they may not handle).",
    NONE,
    "note",
    "minor",
)
def METHOD_ERROR_ADDED(r: RaisesPair, emit: Emit) -> None:
    owner = r.parent
    if r.added:
        emit(f"{owner.path} now declares that it raises {r.new}", owner.path, owner.old, owner.new)


@rule("A class keeps its constructor.", BOTH, "error", "major")
def CONSTRUCTOR_REMOVED(pair: ConstructorPair, emit: Emit) -> None:
    removed_unannounced(pair, emit)


@rule("Properties are not removed.", BOTH, "error", "major")
def PROPERTY_REMOVED(pair: PropertyPair, emit: Emit) -> None:
    removed_unannounced(pair, emit)


@rule(
    "A property's type changes only in ways old readers (and writers) accept.",
    BOTH,
    "error",
    "major",
)
def PROPERTY_TYPE_CHANGED(t: PropertyTypePair, emit: Emit) -> None:
    incompatible_type(t, emit)


@rule("A writable (`mut`) property stays writable.", BOTH, "error", "major")
def PROPERTY_SETTER_REMOVED(s: SetterPair, emit: Emit) -> None:
    prop = s.parent
    if s.removed:
        emit(
            f"{prop.what} lost its setter (it is no longer `mut`)",
            prop.path,
            prop.old,
            prop.new,
        )


@rule("A method, constructor, property or setter was added (additive).", NONE, "note", "minor")
def MEMBER_ADDED(
    pair: MethodPair | ConstructorPair | PropertyPair | SetterPair, emit: Emit
) -> None:
    if not pair.added:
        return
    if isinstance(pair, SetterPair):
        prop = pair.parent
        emit(f"{prop.what} gained a setter", prop.path, prop.old, prop.new)
        return
    owner = pair.parent
    if isinstance(pair, ConstructorPair):
        message = f"class {owner.name} gained a constructor"
    elif isinstance(pair, MethodPair):
        static = pair.new is not None and pair.new.static and isinstance(owner.new, ugm.Class)
        message = f"{'static method' if static else 'method'} {pair.path} was added"
    else:
        message = f"{pair.what} was added"
    emit(message, pair.path, owner.old, pair.new)
