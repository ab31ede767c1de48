"""What several rules say the same way: unannounced removals and incompatible type changes."""

from __future__ import annotations

from typing import Any

from graftcode_runtime import ugm

from graftc.check._model import SOURCE, WIRE, Emit
from graftc.check._pairs import Element, ReturnTypePair, TypePair
from graftc.check._types import format_type


def announced(pair: Element[Any]) -> bool:
    """A released version deprecated it or what contains it, so removing it is allowed."""
    return ugm.deprecation(pair.old) is not None or pair.container_deprecated


def removed_unannounced(pair: Element[Any], emit: Emit) -> None:
    """The finding of a level's removal rule; DEPRECATED_REMOVED reports announced removals."""
    if pair.removed and not announced(pair):
        emit(
            f"{pair.removed_what} was removed, but it was never deprecated "
            "(mark it @deprecated in a release first)",
            pair.path,
            pair.old,
            pair.new_parent,
            categories=pair.removal_breaks,
        )


def type_change(t: TypePair) -> str:
    old, new = format_type(t.old), format_type(t.new)
    if isinstance(t, ReturnTypePair):
        return f"{t.what} now returns {new} instead of {old}"
    return f"{t.what} changed type from {old} to {new}"


def incompatible_type(t: TypePair, emit: Emit) -> None:
    """The finding of a place's type rule, with only the categories that break; TYPE_WIDENED
    reports the changes that break neither."""
    wire_ok, source_ok = t.judge()
    if wire_ok and source_ok:
        return
    change = type_change(t)
    if wire_ok:
        change += (
            " (old callers still work; code written against the old client may not type-check)"
        )
    elif source_ok:
        change += " (code still type-checks, but old callers' values are rejected on the wire)"
    cats = frozenset(([] if wire_ok else [WIRE]) + ([] if source_ok else [SOURCE]))
    emit(change, t.parent.path, t.parent.old, t.parent.new, categories=cats)
