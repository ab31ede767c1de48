"""Rules for changes every old caller accepts, wherever they occur."""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.check._binding import rule
from graftc.check._model import NONE, Emit
from graftc.check._pairs import DefaultPair, TypePair
from graftc.check._rules._shared import type_change
from graftc.check._text import _lit


@rule(
    "A parameter or field gained a default, so callers may omit it (additive).",
    NONE,
    "note",
    "minor",
)
def DEFAULT_ADDED(d: DefaultPair, emit: Emit) -> None:
    owner = d.parent
    if d.added:
        emit(f"{owner.what} gained the default {_lit(d.new)}", owner.path, owner.old, owner.new)


@rule(
    "A type changed in a way every old caller accepts, e.g. int to float for a parameter.",
    NONE,
    "note",
    "minor",
)
def TYPE_WIDENED(t: TypePair, emit: Emit) -> None:
    if isinstance(t.old, ugm.StreamOf) != isinstance(t.new, ugm.StreamOf):
        return  # not a wider type but another call: METHOD_STREAMING_CHANGED
    if t.judge() == (True, True):
        emit(f"{type_change(t)} (compatible)", t.parent.path, t.parent.old, t.parent.new)
