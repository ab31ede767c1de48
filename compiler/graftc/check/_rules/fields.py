"""Rules on the fields of records and errors (records travel as maps keyed by field name)."""

from __future__ import annotations

from graftc.check._binding import rule
from graftc.check._model import BOTH, NONE, SOURCE, WIRE, Emit
from graftc.check._pairs import FieldDefaultPair, FieldListPair, FieldPair, FieldTypePair
from graftc.check._rules._shared import incompatible_type, removed_unannounced
from graftc.check._text import _lit


@rule("Fields are not removed.", BOTH, "error", "major")
def FIELD_REMOVED(pair: FieldPair, emit: Emit) -> None:
    removed_unannounced(pair, emit)


@rule("Fields are not renamed (records travel keyed by name).", BOTH, "error", "major")
def FIELD_RENAMED(pair: FieldPair, emit: Emit) -> None:
    if pair.renamed and pair.new is not None:
        emit(f'{pair.what} was renamed to "{pair.new.name}"', pair.path, pair.old, pair.new)


@rule(
    "A field's type changes only in ways every old reader and writer accepts.",
    BOTH,
    "error",
    "major",
)
def FIELD_TYPE_CHANGED(t: FieldTypePair, emit: Emit) -> None:
    incompatible_type(t, emit)


@rule("A field added to a record callers send has a default.", BOTH, "error", "major")
def FIELD_ADDED_REQUIRED(pair: FieldPair, emit: Emit) -> None:
    g = pair.new
    if pair.added and g is not None and g.default is None and pair.sent:
        emit(
            f'field "{g.name}" was added to {pair.parent.what} without a default; '
            "old callers do not send it",
            pair.path,
            pair.parent.old,
            g,
        )


@rule("A field of a record callers send does not lose its default.", BOTH, "error", "major")
def FIELD_MADE_REQUIRED(d: FieldDefaultPair, emit: Emit) -> None:
    field = d.parent
    if d.removed and field.sent:
        emit(
            f"{field.what} lost its default {_lit(d.old)}; "
            "old callers that omit it will be rejected",
            field.path,
            field.old,
            field.new,
        )


@rule(
    "A field keeps its default (old callers that omit it would silently mean something else).",
    frozenset({WIRE}),
    "warning",
    "minor",
)
def FIELD_DEFAULT_CHANGED(d: FieldDefaultPair, emit: Emit) -> None:
    field = d.parent
    if d.old is not None and d.new is not None:
        emit(
            f"{field.what} changed its default from {_lit(d.old)} to {_lit(d.new)}",
            field.path,
            field.old,
            field.new,
        )


@rule(
    "Record fields keep their order (generated constructors accept fields by position).",
    frozenset({SOURCE}),
    "warning",
    "minor",
)
def FIELD_MOVED(pair: FieldListPair, emit: Emit) -> None:
    # The generated Python records are dataclasses that accept fields by position, so a field
    # that keeps its name but not its index binds differently. Appending moves nothing.
    old_names = [f.name for f in pair.old]
    new_names = [f.name for f in pair.new]
    moved = [n for i, n in enumerate(old_names) if n in new_names and new_names.index(n) != i]
    if moved:
        emit(
            f"fields of {pair.parent.what} changed position ({', '.join(moved)}); code "
            "constructing it with positional arguments binds them differently",
            f"{pair.parent.name}.{moved[0]}",
            pair.old[old_names.index(moved[0])],
            pair.new[new_names.index(moved[0])],
        )


@rule("A field was added (additive).", NONE, "note", "minor")
def FIELD_ADDED(pair: FieldPair, emit: Emit) -> None:
    g = pair.new
    if not pair.added or g is None or (g.default is None and pair.sent):
        return  # a required field callers send is FIELD_ADDED_REQUIRED
    tail = "" if g.default is not None else " (required, but callers only receive it)"
    emit(f'field "{g.name}" was added to {pair.parent.what}{tail}', pair.path, pair.parent.old, g)
