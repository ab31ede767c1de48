"""The decorator of the protocol's event classes (`_events`).

It lives in its own module, which stays interpreted when `_events` is compiled with mypyc: the
`dataclass_transform` marker is set as an attribute on the decorator, which a compiled function
cannot carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from typing_extensions import dataclass_transform

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def _event(cls: type[_T]) -> type[_T]:
    """An event class: immutable by contract, which type checkers enforce (they see a frozen
    dataclass). At run time it is a plain slotted dataclass, because a frozen dataclass costs
    about 5x more to construct and two events are built per call on the hot path."""
    return dataclass(slots=True, unsafe_hash=True)(cls)
