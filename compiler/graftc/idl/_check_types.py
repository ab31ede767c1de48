"""The type rules of the semantic checks: type references, unions, literal sets, defaults.

Kept apart from the declaration rules in `_check.py`; both report through `CheckerBase`.
"""

from __future__ import annotations

import difflib
from typing import Literal

from graftcode_runtime import ugm

from graftc.diagnostics import Diagnostic
from graftc.idl._defaults import default_problem
from graftc.idl._literals import INT64_MAX, INT64_MIN, semver_key
from graftc.idl._positions import Positions
from graftc.idl._printer import type_text

# Type names people bring from other IDLs and languages, with the .graft spelling.
FOREIGN_TYPE_NAMES = {
    "string": "str",
    "String": "str",
    "integer": "int",
    "Integer": "int",
    "long": "int",
    "int32": "int",
    "int64": "int",
    "i32": "int",
    "i64": "int",
    "number": "float",
    "double": "float",
    "float32": "float",
    "float64": "float",
    "f64": "float",
    "boolean": "bool",
    "Boolean": "bool",
    "binary": "bytes",
    "bytearray": "bytes",
    "void": "none (leave out '-> T')",
    "None": "none (leave out '-> T')",
    "null": "none (leave out '-> T')",
    "Decimal": "decimal",
    "UUID": "uuid",
    "timedelta": "duration",
    "Duration": "duration",
    "interval": "duration",
    "timestamp": "datetime",
    "Timestamp": "datetime",
    "List": "list<T>",
    "array": "list<T>",
    "Array": "list<T>",
    "dict": "map<K, V>",
    "Dict": "map<K, V>",
    "Map": "map<K, V>",
    "Optional": "T?",
}

Where = Literal["field", "param", "return", "property"]


class CheckerBase:
    """State and reporting shared by every rule, and the rules about types."""

    def __init__(self, module: ugm.Module, positions: Positions) -> None:
        self.module = module
        self.pos = positions
        self.file = module.span.file if module.span else f"<module {module.name}>"
        self.decls: dict[str, ugm.Decl] = {}
        self.diagnostics: list[Diagnostic] = []
        self.module_version = semver_key(module.version)

    # -- reporting -----------------------------------------------------------------------------

    def error(self, span: ugm.Span | None, message: str, width: int | None = None) -> None:
        if span is None:
            self.diagnostics.append(Diagnostic(self.file, 0, 0, message))
            return
        end: int | None = None
        if width is not None:
            end = span.column + width
        elif span.end_line == span.line:
            end = span.end_column
        self.diagnostics.append(
            Diagnostic(span.file or self.file, span.line, span.column, message, end_column=end)
        )

    def at_name(self, node: object, name: str, message: str) -> None:
        self.error(getattr(node, "span", None), message, len(name))

    # -- types and values ----------------------------------------------------------------------

    def check_type(self, t: ugm.TypeRef, where: Where, top: bool = True) -> bool:
        """Report problems with `t`; True when it is sound enough to check a default against."""
        if isinstance(t, ugm.Primitive):
            if t.name not in ugm.PRIMITIVES:
                self.error(t.span, f"unknown primitive type '{t.name}'")
                return False
            if t.name == "none" and not (top and where == "return"):
                self.error(t.span, "'none' can only be a return type")
                return False
            return True
        if isinstance(t, ugm.Named):
            return self.named(t, where)
        if isinstance(t, ugm.StreamOf):
            if not (top and where in ("return", "param")):
                self.error(
                    t.span,
                    "a stream can only be a method's return type or the type of one of its "
                    "parameters, not part of another type",
                )
                return False
            return self.check_type(t.item, where, top=False)
        if isinstance(t, ugm.Optional):
            if isinstance(t.inner, ugm.Optional):
                self.error(
                    t.span, f"'{type_text(t)}' is not a type: an optional cannot be optional"
                )
                return False
            if isinstance(t.inner, ugm.Primitive) and t.inner.name == "none":
                self.error(t.span, "'none?' is not a type")
                return False
            return self.check_type(t.inner, where, top=False)
        if isinstance(t, ugm.ListOf):
            return self.check_type(t.item, where, top=False)
        if isinstance(t, ugm.UnionOf):
            return self.union(t, where)
        if isinstance(t, ugm.LiteralOf):
            return self.literals(t)
        if isinstance(t, ugm.TupleOf):
            return all([self.check_type(x, where, top=False) for x in t.items])
        assert isinstance(t, ugm.MapOf)
        ok = True
        key = t.key
        if not (isinstance(key, ugm.Primitive) and key.name in ugm.MAP_KEY_PRIMITIVES):
            self.error(
                key.span or t.span,
                f"map keys must be str or int, not '{type_text(key)}'",
            )
            ok = False
        return self.check_type(t.value, where, top=False) and ok

    def union(self, t: ugm.UnionOf, where: Where) -> bool:
        ok = len(t.members) > 1
        if not ok:
            self.error(t.span, "a union needs at least two members")
        seen: set[str] = set()
        for m in t.members:
            text = type_text(m)
            if isinstance(m, ugm.LiteralOf):
                self.error(
                    m.span or t.span,
                    f"a union cannot mix literal values and types ('{type_text(t)}'): literals"
                    " travel untagged, members tagged; use one or the other",
                )
                ok = False
            elif isinstance(m, ugm.UnionOf | ugm.Optional) or m == ugm.Primitive("none"):
                self.error(m.span or t.span, "a union member cannot be a union or optional")
                ok = False
            elif text in seen:
                self.error(m.span or t.span, f"'{text}' appears twice in the union")
                ok = False
            elif not self.check_type(m, where, top=False):
                ok = False
            seen.add(text)
        return ok

    def literals(self, t: ugm.LiteralOf) -> bool:
        ok = bool(t.values)
        kinds = {type(v) for v in t.values}
        if len(kinds) > 1:
            self.error(t.span, f"'{type_text(t)}' mixes int and str values; use one kind")
            ok = False
        seen: list[ugm.LiteralValue] = []
        for v in t.values:
            if v in seen:
                self.error(v.span or t.span, f"{type_text(ugm.LiteralOf((v,)))} appears twice")
                ok = False
            elif isinstance(v, ugm.IntLit) and not INT64_MIN <= v.value <= INT64_MAX:
                self.error(v.span or t.span, f"integer {v.value} does not fit in 64 bits")
                ok = False
            seen.append(v)
        return ok

    def named(self, t: ugm.Named, where: Where) -> bool:
        found = self.decls.get(t.name)
        if found is None:
            self.error(t.span, f"unknown type '{t.name}'{self.suggest(t.name, None)}")
            return False
        if isinstance(found, ugm.Service):
            self.error(t.span, f"'{t.name}' is a service, not a type")
            return False
        if isinstance(found, ugm.Error):
            self.error(
                t.span, f"'{t.name}' is an error: errors can be raised, not passed as values"
            )
            return False
        if isinstance(found, ugm.Class) and where == "field":
            self.error(
                t.span,
                f"class '{t.name}' cannot be used in a record or error field: those are plain"
                " values, while an instance lives in the gateway (pass or return it directly)",
            )
            return False
        return True

    def default(self, v: ugm.Value, t: ugm.TypeRef) -> None:
        problem = default_problem(v, t, self.decls)
        if problem is not None:
            span, message = problem
            self.error(span, message)

    def suggest(self, name: str, kind: type | None) -> str:
        candidates = [
            d.name
            for d in self.decls.values()
            if (kind is None and not isinstance(d, ugm.Service)) or isinstance(d, kind or ())
        ]
        if kind is None:
            if name in FOREIGN_TYPE_NAMES and name not in self.decls:
                return f"; did you mean '{FOREIGN_TYPE_NAMES[name]}'?"
            candidates += [p for p in ugm.PRIMITIVES if p != "none"]
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        return f"; did you mean '{close[0]}'?" if close else ""
