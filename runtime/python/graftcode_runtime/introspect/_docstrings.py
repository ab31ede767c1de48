"""Docstrings: the doc comment text, and the errors a function documents that it raises.

The convention for raised errors is a Google-style `Raises:` section, one `Name: when...` entry
per indented line. NumPy-style (`Raises` underlined with dashes) and Sphinx fields
(`:raises Name: when...`) are read too, so existing docstrings work unchanged.
"""

from __future__ import annotations

import inspect
import re

_SPHINX = re.compile(r"^\s*:raises?\s+([\w.]+)\s*:", re.MULTILINE)
_ENTRY = re.compile(r"^([A-Za-z_][\w.]*)\s*(?::|$)")


def clean(doc: object) -> str | None:
    """The docstring as a doc comment: dedented, trailing spaces gone; None when empty."""
    if not isinstance(doc, str):
        return None
    lines = [line.rstrip() for line in inspect.cleandoc(doc).splitlines()]
    text = "\n".join(lines).strip("\n")
    return text or None


def raised_names(doc: str | None) -> list[str]:
    """Exception names listed in the docstring's `Raises` section, in order, without repeats."""
    if not doc:
        return []
    names = _google(doc) + _numpy(doc) + _SPHINX.findall(doc)
    return list(dict.fromkeys(names))


def _google(doc: str) -> list[str]:
    lines = doc.splitlines()
    names: list[str] = []
    for i, line in enumerate(lines):
        if line.strip() not in ("Raises:", "Raise:"):
            continue
        header_indent = _indent(line)
        entry_indent: int | None = None
        for entry in lines[i + 1 :]:
            if not entry.strip():
                continue
            indent = _indent(entry)
            if indent <= header_indent:
                break
            if entry_indent is None:
                entry_indent = indent
            if indent == entry_indent:
                m = _ENTRY.match(entry.strip())
                if m:
                    names.append(m.group(1))
    return names


def _numpy(doc: str) -> list[str]:
    lines = doc.splitlines()
    names: list[str] = []
    for i in range(len(lines) - 1):
        if lines[i].strip() != "Raises" or not re.fullmatch(r"\s*-{3,}\s*", lines[i + 1]):
            continue
        header_indent = _indent(lines[i])
        body = lines[i + 2 :]
        for j, entry in enumerate(body):
            if not entry.strip():
                continue
            if _indent(entry) < header_indent:
                break
            if j + 1 < len(body) and re.fullmatch(r"\s*-{3,}\s*", body[j + 1]):
                break  # the next section's header
            if _indent(entry) == header_indent:
                m = _ENTRY.match(entry.strip())
                if m:
                    names.append(m.group(1))
    return names


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def class_doc(cls: type) -> str | None:
    """A class's own docstring; None for the ones Python generates (dataclasses, namedtuples and
    old enums describe their signature, which says nothing to a caller)."""
    doc = clean(cls.__dict__.get("__doc__"))
    if doc is None:
        return None
    if doc == "An enumeration." or (doc.startswith(cls.__name__ + "(") and doc.endswith(")")):
        return None
    return doc
