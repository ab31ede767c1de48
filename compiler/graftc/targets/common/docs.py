"""Doc comments and declared errors, as every target reads them.

A docstring's Google-style `Raises:` section names the errors a member raises, with a reason
each (`graftc export` reads the same sections). A target either keeps the section (Python), turns
it into tags (TypeScript's `@throws`), or, when the doc has none but the IDL declares `raises`,
writes one. Error classes are emitted bases first, since every language here needs a base class
defined before a subclass.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Sequence

from graftcode_runtime import ugm

_HEAD = re.compile(r"^\s*(Raises|Throws):\s*$")
_ITEM = re.compile(r"^\s+(\w+):\s*(.*)$")


def cleandoc(text: str | None) -> str:
    """The doc without its common indentation and surrounding blank lines ("" for none)."""
    return inspect.cleandoc(text) if text else ""


def _section(lines: Sequence[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if _HEAD.match(line)), None)


def has_raises(doc: str | None) -> bool:
    return _section(cleandoc(doc).splitlines()) is not None


def split_raises(doc: str | None) -> tuple[str, dict[str, str]]:
    """The doc without its `Raises:` section, and the section as {error name: reason}."""
    lines = cleandoc(doc).splitlines()
    start = _section(lines)
    if start is None:
        return "\n".join(lines), {}
    found: dict[str, str] = {}
    last: str | None = None
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        m = _ITEM.match(lines[end])
        if m:
            last = m.group(1)
            found[last] = m.group(2).strip()
        elif last is not None and lines[end].strip():
            found[last] += " " + lines[end].strip()
        end += 1
    rest = lines[:start] + lines[end:]
    while rest and not rest[-1].strip():
        rest.pop()
    return "\n".join(rest), found


def raises_section(
    doc: str | None, raises: Sequence[str], describe: Callable[[str], str]
) -> tuple[str, ...]:
    """A `Raises:` section for `raises` (one `    Name: why` line each, from `describe`), or
    nothing when there is nothing to declare or the doc already has its own section."""
    if not raises or has_raises(doc):
        return ()
    return ("Raises:", *(f"    {describe(name)}" for name in raises))


def bases_first(errors: Iterable[ugm.Error]) -> tuple[list[ugm.Error], list[ugm.Error]]:
    """The errors with each base before its subclasses (otherwise in their order), and those
    whose chain of bases loops back on itself (the IDL checker rejects them; a target given
    such a model reports them rather than loop)."""
    by_name = {e.name: e for e in errors}
    ordered: list[ugm.Error] = []
    done: set[str] = set()
    looping: list[ugm.Error] = []

    def visit(e: ugm.Error, trail: tuple[str, ...]) -> None:
        if e.name in done:
            return
        if e.name in trail:
            looping.extend(by_name[n] for n in trail if by_name[n] not in looping)
            return
        if e.base is not None and e.base in by_name:
            visit(by_name[e.base], (*trail, e.name))
        if e.name not in done:
            done.add(e.name)
            ordered.append(e)

    for e in by_name.values():
        visit(e, ())
    return ordered, looping
