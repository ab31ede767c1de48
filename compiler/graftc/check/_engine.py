"""The engine: walks two modules pair by pair and hands each pair to the rules of its level."""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.check._model import Emit, Finding, Rule
from graftc.check._pairs import Pair
from graftc.check._rules import RULES
from graftc.check._walk import walk


def find_changes(
    old: ugm.Module | None, new: ugm.Module | None, *, old_file: str = "", new_file: str = ""
) -> list[Finding]:
    """Every finding for changing `old` into `new`, unfiltered, in walk order. A missing module
    is a file deleted (`new` None) or created (`old` None) since the ref."""
    found: list[Finding] = []
    for pair in walk(old, new, old_file, new_file):
        run_rules(pair, found)
    return found


def run_rules(pair: Pair, into: list[Finding]) -> None:
    for r in rules_for(type(pair)):
        r.check(pair, Emit(r, into))


_BY_LEVEL: dict[type, tuple[Rule, ...]] = {}


def rules_for(level: type[Pair]) -> tuple[Rule, ...]:
    """The rules that run on pairs of this class, in catalogue order."""
    found = _BY_LEVEL.get(level)
    if found is None:
        found = _BY_LEVEL[level] = tuple(r for r in RULES.values() if issubclass(level, r.levels))
    return found
