"""Members for test_plan_fast_path.py: plain ones, a recursive record (to nest an argument past
the recursion limit) and one whose result does not match its declared type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__version__ = "1.0.0"


@dataclass
class Node:
    """A tree node: its children nest as deep as a caller likes."""

    label: str
    children: list[Node] = field(default_factory=list)


def add(a: int, b: int) -> int:
    """Two ints."""
    return a + b


def greet(name: str, /, greeting: str = "hello", *, punctuation: str = "!") -> str:
    """Positional-only, ordinary and keyword-only parameters with defaults."""
    return f"{greeting} {name}{punctuation}"


def depth(node: Node) -> int:
    """How deep the tree is (a loop: the argument's depth is the codec's problem only)."""
    n = 0
    while node.children:
        node, n = node.children[0], n + 1
    return n


def wrong() -> int:
    """Declares int, returns a str."""
    result: Any = "not an int"
    return result  # type: ignore[no-any-return]
