"""Parts of the typed models that are the same in every language but for the doc format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

D = TypeVar("D")


@dataclass(frozen=True)
class EnumMember(Generic[D]):
    """An enum member as a language writes it: its name, its value as a literal of that
    language, and its doc in the language's doc format `D`."""

    name: str
    value: str
    doc: D
