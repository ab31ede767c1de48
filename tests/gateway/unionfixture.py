"""Hosted by test_union_arguments.py: parameters of union, literal and tuple types, and a side
effect that shows whether a call ran."""

from __future__ import annotations

from typing import Literal

__version__ = "1.0.0"

_calls: list[object] = []


def pick(
    value: int | str, unit: Literal["kg", "lb"] = "kg", pair: tuple[int, str] | None = None
) -> tuple[str, int | str]:
    """Record the call and say which member `value` arrived as."""
    _calls.append(value)
    return (f"{type(value).__name__}:{unit}:{pair}", value)


def calls() -> int:
    """How many times `pick` ran."""
    return len(_calls)
