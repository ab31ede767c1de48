"""Rules on parameters. A call carries positional arguments as a list and keyword arguments as
a map by name, so an old caller may depend on a parameter's position (unless it is keyword-only)
and on its name (unless it is positional-only)."""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.check._binding import rule
from graftc.check._model import BOTH, NONE, WIRE, Emit
from graftc.check._pairs import ParamDefaultPair, ParamPair, ParamTypePair
from graftc.check._rules._shared import incompatible_type
from graftc.check._text import _lit


def _positional(p: ugm.Param) -> bool:
    return p.kind != "keyword"


def _by_keyword(p: ugm.Param) -> bool:
    return p.kind != "positional"


@rule("Parameters are not removed.", BOTH, "error", "major")
def PARAM_REMOVED(p: ParamPair, emit: Emit) -> None:
    if p.removed:
        emit(f"{p.what} was removed", p.path, p.old, p.parent.new)


@rule("A parameter callers may pass by keyword keeps its name.", BOTH, "error", "major")
def PARAM_RENAMED(p: ParamPair, emit: Emit) -> None:
    if p.renamed and p.old is not None and p.new is not None and _by_keyword(p.old):
        emit(f'{p.what} was renamed to "{p.new.name}"', p.path, p.old, p.new)


@rule(
    "A positional-only parameter was renamed (harmless: its name never travels).",
    NONE,
    "note",
    "patch",
)
def PARAM_RENAMED_POSITIONAL_ONLY(p: ParamPair, emit: Emit) -> None:
    if p.renamed and p.old is not None and p.new is not None and not _by_keyword(p.old):
        emit(
            f'{p.what} was renamed to "{p.new.name}" (positional-only, so callers are unaffected)',
            p.path,
            p.old,
            p.new,
        )


@rule("A parameter added to a method has a default.", BOTH, "error", "major")
def PARAM_ADDED_REQUIRED(p: ParamPair, emit: Emit) -> None:
    q = p.new
    if p.added and q is not None and q.default is None:
        emit(
            f'parameter "{q.name}" was added to {p.parent.path} without a default; '
            "old callers do not pass it",
            p.path,
            p.parent.old,
            q,
        )


@rule(
    "A parameter callers could pass by position does not become keyword-only.",
    BOTH,
    "error",
    "major",
)
def PARAM_BECAME_KEYWORD_ONLY(p: ParamPair, emit: Emit) -> None:
    if p.old is not None and p.new is not None and _positional(p.old) and not _positional(p.new):
        emit(
            f"{p.what} became keyword-only; old callers passing it by position fail",
            p.path,
            p.old,
            p.new,
        )


@rule(
    "A parameter callers could pass by keyword does not become positional-only.",
    BOTH,
    "error",
    "major",
)
def PARAM_BECAME_POSITIONAL_ONLY(p: ParamPair, emit: Emit) -> None:
    if p.old is not None and p.new is not None and _by_keyword(p.old) and not _by_keyword(p.new):
        emit(
            f"{p.what} became positional-only; old callers passing it by keyword fail",
            p.path,
            p.old,
            p.new,
        )


@rule(
    "A parameter now accepts more ways of passing it (positional or keyword; additive).",
    NONE,
    "note",
    "minor",
)
def PARAM_KIND_RELAXED(p: ParamPair, emit: Emit) -> None:
    old, new = p.old, p.new
    if old is None or new is None or old.kind == new.kind:
        return
    # Relaxed: every way of passing it that worked still works (else it became *_ONLY).
    if _positional(new) >= _positional(old) and _by_keyword(new) >= _by_keyword(old):
        emit(f"{p.what} may now be passed by position or by keyword", p.path, old, new)


@rule("A parameter callers may pass by position keeps its position.", BOTH, "error", "major")
def PARAM_MOVED(p: ParamPair, emit: Emit) -> None:
    old, new, i, j = p.old, p.new, p.old_index, p.new_index
    if old is None or new is None or i is None or j is None:
        return
    if _positional(old) and _positional(new) and i != j:
        emit(
            f"{p.what} moved from position {i + 1} to {j + 1}; "
            "old callers passing arguments by position now bind them differently",
            p.path,
            old,
            new,
        )


@rule(
    "A parameter's type changes only to one that accepts every old argument.",
    BOTH,
    "error",
    "major",
)
def PARAM_TYPE_CHANGED(t: ParamTypePair, emit: Emit) -> None:
    incompatible_type(t, emit)


@rule("A parameter does not lose its default.", BOTH, "error", "major")
def PARAM_MADE_REQUIRED(d: ParamDefaultPair, emit: Emit) -> None:
    param = d.parent
    if d.removed:
        emit(
            f"{param.what} lost its default {_lit(d.old)}; old callers that omit it fail",
            param.path,
            param.old,
            param.new,
        )


@rule(
    "A parameter keeps its default (old callers that omit it would silently mean something else).",
    frozenset({WIRE}),
    "warning",
    "minor",
)
def PARAM_DEFAULT_CHANGED(d: ParamDefaultPair, emit: Emit) -> None:
    param = d.parent
    if d.old is not None and d.new is not None:
        emit(
            f"{param.what} changed its default from {_lit(d.old)} to {_lit(d.new)}; "
            "old callers that omit it now get the new value",
            param.path,
            param.old,
            param.new,
        )


@rule("A parameter with a default was added (additive).", NONE, "note", "minor")
def PARAM_ADDED(p: ParamPair, emit: Emit) -> None:
    q = p.new
    if p.added and q is not None and q.default is not None:
        emit(
            f'parameter "{q.name}" was added to {p.parent.path} with the default {_lit(q.default)}',
            p.path,
            p.parent.old,
            q,
        )
