"""Python names for IDL names: package names, escaping, and collision detection.

Escaping is one rule everywhere: a name that is a Python keyword, shadows a builtin, or collides
with a name the generated code itself uses in that scope gets a trailing underscore (PEP 8's
`class_`). Wire names never change; only the Python spelling does.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graftcode_runtime import ugm

from graftc.diagnostics import Diagnostic, at

# Soft keywords (`match`, `case`, `type`, `_`) are fine as identifiers; only hard ones are not.
KEYWORDS = frozenset(keyword.kwlist)
BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))

# Names the generated modules define or import at module level.
MODULE_RESERVED = frozenset(
    {
        "annotations",
        "binding",
        "configure",
        "connect",
        "connect_async",
        "settings",
        "dataclass",
        "field",
        "enum",
        "datetime",
        "decimal",
        "uuid",
        "weakref",
        "deprecated",
        "Mapping",
        "Sequence",
        "Awaitable",
        "NoReturn",
        "Channel",
        "AsyncChannel",
        "Callable",
        "MappingProxyType",
        "Proxy",
        "AsyncProxy",
        "wire",
        "from_remote",
        "RemoteError",
        "MODULE_NAME",
        "MODULE_VERSION",
        "SCHEMA_HASH",
    }
)
# Names generated method bodies use next to the parameters (`self`, `cls`, the channel `ch`).
PARAM_RESERVED = frozenset({"self", "cls", "ch"})
# Members every proxy or client has.
CLIENT_RESERVED = frozenset({"close", "with_options", "channel", "_ch"})
_PROXY_INTERNALS = frozenset(
    {"_ch", "_id", "_ref", "_finalizer", "_attach", "_from_wire", "_to_wire", "_live_id"}
)
SYNC_PROXY_RESERVED = frozenset({"close", "instance_id", "channel"}) | _PROXY_INTERNALS
ASYNC_PROXY_RESERVED = frozenset({"aclose", "create", "instance_id", "channel"}) | _PROXY_INTERNALS


def escape(name: str, reserved: Iterable[str] = ()) -> str:
    """For names that become variables (parameters, module-level names): `class` -> `class_`,
    `list` -> `list_` (a parameter called `list` would hide the builtin from generated code)."""
    if name in KEYWORDS or name in BUILTINS or name in reserved:
        return name + "_"
    return name


def attribute(name: str, reserved: Iterable[str] = ()) -> str:
    """For names only ever read as attributes (record fields, methods, properties, enum
    members): `order.id` shadows nothing, so only keywords and `reserved` are escaped."""
    if name in KEYWORDS or name in reserved:
        return name + "_"
    return name


ENUM_RESERVED = frozenset({"name", "value", "mro"})


def distribution_name(module: str) -> str:
    """`shop` -> `graft-shop`; dots and underscores become dashes (PEP 503 normalised)."""
    return "graft-" + re.sub(r"[-_.]+", "-", module).lower()


def import_name(module: str) -> str:
    """`shop` -> `graft_shop`, `my.shop` -> `graft_my_shop`."""
    return "graft_" + re.sub(r"[-.]+", "_", module).lower()


def pascal(name: str) -> str:
    """`shop` -> `Shop`, `order_service` -> `OrderService`, `Cart` stays."""
    parts = [p for p in re.split(r"[_\W]+", name) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts) or "Module"


def snake(name: str) -> str:
    """`LineItem` -> `line_item`, `HTTPCode` -> `http_code`."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


@dataclass
class Scope:
    """One namespace of generated Python names; reports two IDL names that end up the same."""

    what: str  # e.g. "record Product", for the message
    file: str
    source: str | None
    text_of: Callable[[str], str | None] | None = None

    def __post_init__(self) -> None:
        self.seen: dict[str, tuple[str, ugm.Span | None]] = {}
        self.errors: list[Diagnostic] = []

    def claim(self, python: str, idl: str, span: ugm.Span | None) -> str:
        prior = self.seen.get(python)
        if prior is None:
            self.seen[python] = (idl, span)
            return python
        other, other_span = prior
        where = f" (declared at {_pos(other_span)})" if other_span is not None else ""
        if other == idl:
            message = f"{idl!r} clashes with a name the Python client defines in {self.what}"
        else:
            message = (
                f"{idl!r} and {other!r}{where} both become the Python name {python!r} "
                f"in {self.what}; rename one of them"
            )
        line, col = (span.line, span.column) if span is not None else (0, 0)
        file = (span.file if span is not None and span.file else "") or self.file
        text = self.text_of(file) if self.text_of is not None else self.source
        self.errors.append(at(file, text, line, col, message))
        return python


def _pos(span: ugm.Span) -> str:
    return f"{span.line}:{span.column}"
