"""Values in Python: defaults in generated code and example arguments in Vision, spelled
through the one walk of `common.values`.

Every default is a fresh value each evaluation and something linters know as immutable:
parameter defaults become tuples and `MappingProxyType`s, dates `datetime.date(...)` calls, and
a UUID a module-level constant (a `uuid.UUID(...)` call as a default is flagged).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.common.values import Spelling, spell
from graftc.targets.python import model as m
from graftc.targets.python import naming

if TYPE_CHECKING:
    from graftc.targets.python.lower import Context
    from graftc.targets.python.types import Where

__all__ = ["PyValues", "default", "spell", "string_literal"]

Report = Callable[[object, str], None]


def _ignore(node: object, message: str) -> None:
    return None


class PyValues(Spelling):
    """`imports` collects what the expression needs; `enum_ref` spells an enum member and
    imports its class; `param` asks for immutable containers (parameter defaults);
    `composite` spells records and instances (Vision's examples), found in `module`."""

    def __init__(
        self,
        imports: m.Imports,
        enum_ref: Callable[[ugm.EnumLit], str],
        *,
        param: bool = False,
        error: Report = _ignore,
        owner: object = None,
        composite: Callable[[str, Sequence[tuple[str, str]]], str] | None = None,
        module: ugm.Module | None = None,
    ) -> None:
        self.module = module
        self.imports = imports
        self.enum_ref = enum_ref
        self.param = param
        self._error = error
        self._owner = owner
        self._composite = composite

    def none(self) -> str:
        return "None"

    def boolean(self, v: ugm.BoolLit) -> str:
        return "True" if v.value else "False"

    def integer(self, v: ugm.IntLit, t: ugm.TypeRef | None) -> str:
        if _is(t, "float"):
            return repr(float(v.value))
        if _is(t, "decimal"):
            self.imports.std("decimal")
            return f'decimal.Decimal("{v.value}")'
        if _is(t, "duration"):  # only examples hold one: the IDL has no duration literal
            self.imports.std("datetime")
            seconds, micros = divmod(v.value, 1_000_000)
            if micros:
                return f"datetime.timedelta(microseconds={v.value})"
            return f"datetime.timedelta(seconds={seconds})"
        return repr(v.value)

    def floating(self, v: ugm.FloatLit, t: ugm.TypeRef | None) -> str:
        if _is(t, "decimal"):
            self.imports.std("decimal")
            return f'decimal.Decimal("{v.value!r}")'
        return repr(v.value)

    def string(self, v: ugm.StrLit, t: ugm.TypeRef | None) -> str:
        if not isinstance(t, ugm.Primitive) or t.name == "str":
            return string_literal(v.value)
        try:
            if t.name == "decimal":
                self.imports.std("decimal")
                return f"decimal.Decimal({string_literal(v.value)})"
            if t.name == "uuid":
                u = uuid.UUID(v.value)
                self.imports.std("uuid")
                return self.imports.constant(
                    f"_UUID_{u.hex.upper()}", f"uuid.UUID({string_literal(str(u))})"
                )
            if t.name in ("date", "datetime", "time"):
                self.imports.std("datetime")
                return _datetime_literal(getattr(dt, t.name).fromisoformat(v.value))
        except ValueError:
            self._error(v if v.span else self._owner, f"{v.value!r} is not a valid {t.name}")
        return string_literal(v.value)

    def binary(self, v: ugm.BytesLit) -> str:
        return repr(v.value)

    def sequence(self, items: Sequence[str], t: ugm.ListOf | None) -> str:
        if self.param:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"

    def tuple_(self, items: Sequence[str]) -> str:
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"

    def mapping(self, pairs: Sequence[tuple[str, str]], t: ugm.MapOf | None) -> str:
        body = "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        if self.param:
            self.imports.std("types", "MappingProxyType")
            return f"MappingProxyType({body})"
        return body

    def enum(self, lit: ugm.EnumLit) -> str:
        return self.enum_ref(lit)

    def composite(self, decl: str, fields: Sequence[tuple[str, str]]) -> str:
        if self._composite is None:
            return super().composite(decl, fields)
        return self._composite(decl, fields)


def default(ctx: Context, v: ugm.Value, t: ugm.TypeRef, w: Where, *, param: bool = False) -> str:
    """A Python expression for default `v` of type `t` (a fresh value each evaluation)."""

    def enum_ref(lit: ugm.EnumLit) -> str:
        enum = ctx.decls.get(lit.enum)
        if not isinstance(enum, ugm.Enum) or not any(x.name == lit.member for x in enum.members):
            ctx.error(lit, f"unknown enum member {lit.enum}.{lit.member}")
            return "None"
        if w.imports is not ctx.files["_types"]:
            w.imports.rel("._types", ctx.py[enum.name])
        return f"{ctx.py[enum.name]}.{naming.attribute(lit.member, naming.ENUM_RESERVED)}"

    spelling = PyValues(w.imports, enum_ref, param=param, error=ctx.error)
    return spell(v, spelling, t)


def _is(t: ugm.TypeRef | None, name: str) -> bool:
    return isinstance(t, ugm.Primitive) and t.name == name


def _datetime_literal(v: dt.date | dt.time) -> str:
    """A constructor call (which linters know as immutable) for a date, datetime or time."""
    if isinstance(v, dt.datetime):
        args = [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond]
    elif isinstance(v, dt.date):
        args = [v.year, v.month, v.day]
    else:
        args = [v.hour, v.minute, v.second, v.microsecond]
    while len(args) > 3 and args[-1] == 0:
        args.pop()
    text = ", ".join(map(str, args))
    tz = v.tzinfo if isinstance(v, dt.datetime | dt.time) else None
    if tz is not None:
        offset = tz.utcoffset(None)
        if offset is not None and offset == dt.timedelta(0):
            text += ", tzinfo=datetime.UTC"
        elif offset is not None:
            seconds = int(offset.total_seconds())
            text += f", tzinfo=datetime.timezone(datetime.timedelta(seconds={seconds}))"
    return f"datetime.{type(v).__name__}({text})"


def string_literal(s: str) -> str:
    """A double-quoted Python string literal (black's style, so formatting is a no-op)."""
    r = repr(s)
    if r.startswith("'") and '"' not in s:
        r = '"' + r[1:-1].replace("\\'", "'") + '"'
    return r
