"""Values in Go: the defaults generated code sends for positional-only parameters, and Vision's
example arguments, spelled through the one walk of `common.values`.

Containers are composite literals typed from the declared type (`[]int64{1, 2}`,
`map[string]float64{"x": 1.5}`); dates and times are `time.Date(...)` in UTC; an optional value
that Go holds behind a pointer is `Ptr[T](v)` (the generated package's helper). The common walk
hands hooks the type without its `?`, so pointers are added where the optional type is still
known: by the container holding the value, and by `go_value` at the top.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

from graftcode_runtime import ugm

from graftc.targets.common.values import Spelling, spell
from graftc.targets.go import naming
from graftc.targets.go.naming import nilable

Report = Callable[[object, str], None]
TypeOf = Callable[[ugm.TypeRef], str]
Wrap = Callable[[ugm.UnionOf, ugm.TypeRef | None, str], str]  # Conversions.wrap


def _ignore(node: object, message: str) -> None:
    return None


def go_string(text: str) -> str:
    """A Go interpreted string literal (valid for any text: `\\u` escapes never split a
    surrogate pair, since Python strings hold code points)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\\uFFFD")  # a lone surrogate is no Go (UTF-8) text
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def enum_const(enum: str, member: str) -> str:
    """`Category` + `BOOKS` -> `CategoryBooks`; `OrderStatus` + `PENDING` -> `OrderStatusPending`."""
    return enum + naming.exported(member.lower() if member.isupper() else member)


class GoValues(Spelling):
    """`type_of` spells a UGM type in Go (the package's `Conversions.go`)."""

    def __init__(
        self,
        type_of: TypeOf,
        error: Report = _ignore,
        owner: object = None,
        module: ugm.Module | None = None,
        variable: Callable[[str], str] | None = None,
        wrap: Wrap | None = None,
    ) -> None:
        self._type_of = type_of
        self._wrap = wrap
        self._error = error
        self._owner = owner
        self.module = module
        self._variable = variable or naming.unexported

    def _report(self, lit: object, message: str) -> None:
        self._error(lit if getattr(lit, "span", None) else self._owner, message)

    def none(self) -> str:
        return "nil"

    def integer(self, v: ugm.IntLit, t: ugm.TypeRef | None) -> str:
        if _is(t, "decimal"):
            return go_string(str(v.value))
        if _is(t, "float"):
            return repr(float(v.value))
        if _is(t, "duration"):  # only examples hold one: the IDL has no duration literal
            return _duration(v.value)
        if not -(2**63) <= v.value < 2**63:
            self._report(v, f"the value {v.value} does not fit Go's int64")
        return str(v.value)

    def floating(self, v: ugm.FloatLit, t: ugm.TypeRef | None) -> str:
        if not math.isfinite(v.value):
            self._report(v, "a default must be a finite number")
            return "0"
        return go_string(repr(v.value)) if _is(t, "decimal") else repr(v.value)

    def string(self, v: ugm.StrLit, t: ugm.TypeRef | None) -> str:
        if isinstance(t, ugm.Primitive) and t.name in ("date", "datetime", "time"):
            return self._time(v, t.name)
        return go_string(v.value)

    def _time(self, v: ugm.StrLit, kind: str) -> str:
        try:
            if kind == "date":
                d = dt.date.fromisoformat(v.value)
                return f"time.Date({d.year}, {d.month}, {d.day}, 0, 0, 0, 0, time.UTC)"
            if kind == "time":
                x = dt.time.fromisoformat(v.value)
                w = dt.datetime(1, 1, 1, x.hour, x.minute, x.second, x.microsecond)
            else:
                w = dt.datetime.fromisoformat(v.value.replace("Z", "+00:00"))
                if w.tzinfo is not None:
                    w = w.astimezone(dt.UTC)
        except ValueError:
            self._report(v, f"{v.value!r} is not an ISO 8601 {kind}")
            return "time.Time{}"
        year = 0 if kind == "time" else w.year
        return (
            f"time.Date({year}, {w.month}, {w.day}, {w.hour}, {w.minute}, {w.second}, "
            f"{w.microsecond * 1000}, time.UTC)"
        )

    def binary(self, v: ugm.BytesLit) -> str:
        return "[]byte{" + ", ".join(f"0x{b:02x}" for b in v.value) + "}"

    def sequence(self, items: Sequence[str], t: ugm.ListOf | None) -> str:
        if t is None:
            return "[]any{" + ", ".join(items) + "}"
        wrapped = [self.pointer(x, t.item) for x in items]
        return f"{self._type_of(t)}{{{', '.join(wrapped)}}}"

    def mapping(self, pairs: Sequence[tuple[str, str]], t: ugm.MapOf | None) -> str:
        if t is None:
            return "map[any]any{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        body = ", ".join(f"{k}: {self.pointer(v, t.value)}" for k, v in pairs)
        return f"{self._type_of(t)}{{{body}}}"

    def fixed(self, items: Sequence[str], t: ugm.TupleOf) -> str:
        pairs = enumerate(zip(items, t.items, strict=True))
        fields = [f"V{i}: {self.pointer(x, it)}" for i, (x, it) in pairs]
        return f"{self._type_of(t)}{{{', '.join(fields)}}}"

    def member(self, value: str, member: ugm.TypeRef | None, union: ugm.UnionOf) -> str:
        return self._wrap(union, member, value) if self._wrap is not None else value

    def enum(self, lit: ugm.EnumLit) -> str:
        return enum_const(lit.enum, lit.member)

    def composite(self, decl: str, fields: Sequence[tuple[str, str]]) -> str:
        d = self.module.find(decl) if self.module is not None else None
        if isinstance(d, ugm.Class):
            return self._variable(decl)
        parts = []
        for name, value in fields:
            ft = self.field_type(decl, name)
            parts.append(f"{naming.exported(name)}: {self.pointer(value, ft)}")
        return f"{decl}{{{', '.join(parts)}}}"

    def pointer(self, value: str, t: ugm.TypeRef | None) -> str:
        """`value` (spelled as `t` without its `?`) as Go holds a value of type `t`."""
        if not isinstance(t, ugm.Optional) or value == "nil" or isinstance(t.inner, ugm.UnionOf):
            return value  # a union is an interface: nil already means none
        inner = self._type_of(t.inner)
        return value if nilable(inner) else f"Ptr[{inner}]({value})"


def go_value(v: ugm.Value, s: GoValues, t: ugm.TypeRef) -> str:
    """`v` spelled as Go holds a value of type `t` (pointers for optional values included)."""
    return s.pointer(spell(v, s, t), t)


def _is(t: ugm.TypeRef | None, name: str) -> bool:
    return isinstance(t, ugm.Primitive) and t.name == name


def _duration(micros: int) -> str:
    """A Go duration for a count of microseconds: a conversion of its nanoseconds, which gofmt
    leaves as written wherever it stands (`90 * time.Second` is spaced or not by context)."""
    return f"time.Duration({micros * 1000:_})"
