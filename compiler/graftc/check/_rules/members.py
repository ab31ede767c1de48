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


def _streams(m: ugm.Method) -> tuple[bool, str | None]:
    """Whether `m` streams its result, and the name of its stream parameter."""
    param = next((p.name for p in m.params if isinstance(p.type, ugm.StreamOf)), None)
    return isinstance(m.returns, ugm.StreamOf), param


@rule(
    "A method keeps streaming its result and its stream parameter, or keeps not streaming "
    "(a unary call and a stream are different calls on the wire).",
    BOTH,
    "error",
    "major",
)
def METHOD_STREAMING_CHANGED(pair: MethodPair, emit: Emit) -> None:
    m, nm = pair.old, pair.new
    if not isinstance(m, ugm.Method) or not isinstance(nm, ugm.Method):
        return
    (was_result, was_param), (now_result, now_param) = _streams(m), _streams(nm)
    if was_result != now_result:
        change = "now streams its result" if now_result else "no longer streams its result"
        emit(f"{pair.what} {change}", pair.path, m, nm)
    if was_param != now_param:
        if now_param is None:
            change = f"no longer takes a stream ('{was_param}')"
        elif was_param is None:
            change = f"now takes a stream ('{now_param}')"
        else:
            change = f"takes its stream as '{now_param}' instead of '{was_param}'"
        emit(f"{pair.what} {change}", pair.path, m, nm)


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
