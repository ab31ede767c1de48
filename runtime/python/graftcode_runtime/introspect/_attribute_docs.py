"""Attribute doc comments: which attribute a string literal or a `#:` comment documents.

Two layouts are common and both are read. Sphinx puts the string *below* the attribute
(`size: int` then `"The size."`); others put it *above* (email-validator's
`"The size."` then `size: int`). A string between two attributes could be either, so each
string goes to the neighbour it touches (no blank line between them); when it touches both or
neither, the class's own layout decides: strings that can only be "above" (the first one, right
after the class docstring) or only "below" (the last one) vote, and below wins a tie, as in
Sphinx. `#:` comments are explicit: on the lines right above an attribute, or at the end of its
line, they document it and win over a string.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Sequence

# The one attribute a statement binds, or None (several names, a def, anything else).
Binder = Callable[[ast.stmt], str | None]


def attribute_docs(body: Sequence[ast.stmt], lines: Sequence[str], bound: Binder) -> dict[str, str]:
    """Doc comments of the attributes `bound` finds in `body` (a class body or `__init__`'s)."""
    docs = _string_docs(body, bound)
    for stmt in body:
        name = bound(stmt)
        if name is not None:
            comment = _hash_colon(stmt, lines)
            if comment:
                docs[name] = comment
    return docs


def _is_string(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _string_docs(body: Sequence[ast.stmt], bound: Binder) -> dict[str, str]:
    start = 1 if body and _is_string(body[0]) else 0  # the class's (or function's) docstring
    # For each string: (text, attribute above, attribute below, touches above, touches below).
    found: list[tuple[str, str | None, str | None, bool, bool]] = []
    above_votes = below_votes = 0
    for i in range(start, len(body)):
        stmt = body[i]
        if not _is_string(stmt):
            continue
        prev = body[i - 1] if i > start else None
        after = body[i + 1] if i + 1 < len(body) else None
        over = bound(prev) if prev is not None else None
        under = bound(after) if after is not None and not _is_string(after) else None
        binds_below = after is not None and not _is_string(after)
        touches_over = prev is not None and stmt.lineno - (prev.end_lineno or prev.lineno) == 1
        touches_under = after is not None and after.lineno - (stmt.end_lineno or stmt.lineno) == 1
        if over is not None and not binds_below:
            below_votes += 1
        elif under is not None and over is None:
            above_votes += 1
        text = (
            stmt.value.value
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            else None
        )
        assert isinstance(text, str)
        found.append((inspect.cleandoc(text), over, under, touches_over, touches_under))
    layout_above = above_votes > below_votes
    docs: dict[str, str] = {}
    for text, over, under, touches_over, touches_under in found:
        if over is not None and under is not None and touches_over != touches_under:
            target = over if touches_over else under
        elif over is not None and under is not None:
            target = under if layout_above else over
        elif over is not None and not layout_above:
            target = over
        elif under is not None:
            target = under
        else:
            continue
        docs.setdefault(target, text)
    return docs


def _hash_colon(stmt: ast.stmt, lines: Sequence[str]) -> str | None:
    """`#: text` on the lines right above `stmt`, or at the end of its line."""
    collected: list[str] = []
    row = stmt.lineno - 2  # 0-based index of the line above
    while 0 <= row < len(lines) and lines[row].lstrip().startswith("#:"):
        collected.insert(0, lines[row].lstrip()[2:].strip())
        row -= 1
    if collected:
        return "\n".join(collected).strip() or None
    if 0 < stmt.lineno <= len(lines) and stmt.end_lineno == stmt.lineno:
        line = lines[stmt.lineno - 1]
        cut = line.find("#:", stmt.end_col_offset or 0)
        if cut >= 0:
            return line[cut + 2 :].strip() or None
    return None
