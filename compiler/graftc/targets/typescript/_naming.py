"""TypeScript names for IDL names: camelCase members, PascalCase types, no reserved words."""

from __future__ import annotations

import re

# Reserved words and strict-mode words that cannot name a parameter or a local binding.
RESERVED = frozenset(
    """
    break case catch class const continue debugger default delete do else enum export extends
    false finally for function if import in instanceof new null return super switch this throw
    true try typeof var void while with as implements interface let package private protected
    public static yield await arguments eval
    """.split()
)

_WORD = re.compile(r"[A-Za-z0-9]+")


def camel(name: str) -> str:
    """`list_products` -> `listProducts`; leading underscores are kept (`_x` -> `_x`)."""
    stripped = name.lstrip("_")
    lead = name[: len(name) - len(stripped)]
    parts = [p for p in stripped.split("_") if p]
    if not parts:
        return name
    head, *rest = parts
    return lead + head[:1].lower() + head[1:] + "".join(p[:1].upper() + p[1:] for p in rest)


def pascal(name: str) -> str:
    """`list_products` -> `ListProducts`; `Cart` stays `Cart`."""
    return "".join(p[:1].upper() + p[1:] for p in _WORD.findall(name))


def safe_binding(name: str) -> str:
    """A name usable as a parameter: reserved words get a trailing underscore."""
    return name + "_" if name in RESERVED else name


def env_prefix(module: str) -> str:
    return "GRAFT_" + re.sub(r"[^A-Z0-9]", "_", module.upper()) + "_"


def package_name(module: str) -> str:
    """The npm package for module `shop`: `graft-shop` (lower case, dots and underscores -> `-`)."""
    return "graft-" + re.sub(r"[^a-z0-9-]+", "-", module.lower()).strip("-")
