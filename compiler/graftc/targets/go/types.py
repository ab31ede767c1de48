"""UGM types in Go: the Go type of each, and the pair of package functions (wire.go) that
convert it to and from wire values.

`Conversions.of(t)` is the one place a UGM type node becomes Go: each kind of node has one
`_<kind>` method, and a node of a kind it does not know raises `UnsupportedType` naming it, so
a new kind of type is one new method here. Each distinct type gets one pair of functions named
after its shape (`toWireListProduct`, `fromWireListProduct`), made once per package.

Wire values are what the runtime's decoder gives (runtime/go/values.go): nil, bool, int64
(uint64 above MaxInt64), float64, string, []byte, []any, map[string]any (map[any]any for
integer keys) and graft.InstanceRef.
"""

from __future__ import annotations

from collections.abc import Callable
from textwrap import dedent

from graftcode_runtime import ugm

from graftc.targets.go import decls
from graftc.targets.go.model import Conversion, GoLiteralSet, GoTuple, GoUnion
from graftc.targets.go.naming import Compound, shape
from graftc.targets.go.naming import nilable as nilable  # its home was here: keep the import

# Primitive -> (Go type, key, to-wire body, from-wire body)
_TIME_LAYOUTS = {
    "date": ('"2006-01-02"', '"2006-01-02"'),
    "datetime": ("time.RFC3339Nano", 'time.RFC3339Nano, "2006-01-02T15:04:05.999999999"'),
    "time": ('"15:04:05.999999"', '"15:04:05.999999999Z07:00", "15:04:05.999999999"'),
}


def _plain(go: str, what: str) -> str:
    return dedent(
        f"""\
        x, ok := v.({go})
        if !ok {{
            return x, badWire("{what}", v)
        }}
        return x, nil"""
    )


_PRIMITIVES: dict[str, tuple[str, str, str]] = {
    "bool": ("bool", "return v", _plain("bool", "a bool")),
    "int": (
        "int64",
        "return v",
        dedent(
            """\
            switch x := v.(type) {
            case int64:
                return x, nil
            case uint64:
                return 0, graft.Errorf(graft.OutOfRange, "the gateway sent %d, beyond int64", x)
            }
            return 0, badWire("an int", v)"""
        ),
    ),
    "float": (
        "float64",
        "return v",
        dedent(
            """\
            switch x := v.(type) {
            case float64:
                return x, nil
            case int64:
                return float64(x), nil
            case uint64:
                return float64(x), nil
            }
            return 0, badWire("a float", v)"""
        ),
    ),
    "str": ("string", "return v", _plain("string", "a str")),
    "decimal": ("string", "return v", _plain("string", "a decimal (as text)")),
    "uuid": ("string", "return v", _plain("string", "a uuid (as text)")),
    "bytes": (
        "[]byte",
        dedent(
            """\
            if v == nil {
                return []byte{}
            }
            return v"""
        ),
        _plain("[]byte", "bytes"),
    ),
    "none": (
        "struct{}",
        "return nil",
        dedent(
            """\
            if v != nil {
                return struct{}{}, badWire("none", v)
            }
            return struct{}{}, nil"""
        ),
    ),
}
# A duration is an int64 of microseconds on the wire; time.Duration counts nanoseconds, so it
# holds ±292 years: a larger duration from the gateway is OUT_OF_RANGE, and nanoseconds below a
# microsecond are dropped when sending (truncated toward zero, as Duration.Microseconds does).
_PRIMITIVES["duration"] = (
    "time.Duration",
    "return v.Microseconds()",
    dedent(
        """\
        x, ok := v.(int64)
        if !ok {
            return 0, badWire("a duration (an int of microseconds)", v)
        }
        if x > 9223372036854775 || x < -9223372036854775 { // math.MaxInt64 / 1000
            return 0, graft.Errorf(graft.OutOfRange, "a duration of %d microseconds is beyond time.Duration", x)
        }
        return time.Duration(x) * time.Microsecond, nil"""
    ),
)
for _name, (_out, _in) in _TIME_LAYOUTS.items():
    _PRIMITIVES[_name] = (
        "time.Time",
        f"return v.Format({_out})",
        f'return parseTime(v, "a {_name}", {_in})',
    )


class UnsupportedType(Exception):
    """A UGM type node this target has no Go spelling for."""


class Conversions:
    """The Go types of one module, and the conversion functions they need. `kinds` maps each
    declaration name to its kind (record, enum, error, class); `error` reports a type at
    fault (the error type itself, used as a value) with its position."""

    def __init__(
        self,
        kinds: dict[str, str],
        error: Callable[[object, str], None],
        names: dict[ugm.TypeRef, str] | None = None,
    ) -> None:
        self.kinds = kinds
        self.names = names or {}  # union, literal set and tuple -> Go name (decls.names_of)
        self.unions: dict[str, GoUnion] = {}
        self.literal_sets: dict[str, GoLiteralSet] = {}
        self.tuples: dict[str, GoTuple] = {}
        self.enum_bases: dict[str, str] = {}  # enum name -> int64 or string (set by decls)
        self._error = error
        self._by_type: dict[ugm.TypeRef, Conversion] = {}
        self._keys: set[str] = set()
        self.uses_time = False

    @property
    def all(self) -> tuple[Conversion, ...]:
        return tuple(sorted(self._by_type.values(), key=lambda c: c.key))

    def go(self, t: ugm.TypeRef) -> str:
        """The Go type of `t`."""
        return self.of(t).go

    def of(self, t: ugm.TypeRef) -> Conversion:
        """The conversion of `t`, made (with those of its parts) on first use."""
        found = self._by_type.get(t)  # spans take no part in equality
        if found is not None:
            return found
        method = getattr(self, "_" + type(t).__name__.lower(), None)
        if method is None:
            raise UnsupportedType(
                f"the Go target has no mapping for the type node {type(t).__name__} "
                f"({t!r}); add a `_{type(t).__name__.lower()}` case to targets/go/types.py"
            )
        base, go, to, from_ = method(t)
        name = base
        n = 2
        while name in self._keys:
            name, n = f"{base}{n}", n + 1
        self._keys.add(name)
        conv = Conversion(name, go, to, from_)
        self._by_type[t] = conv
        return conv

    # -- one method per kind of UGM type node -------------------------------------------------

    def _primitive(self, t: ugm.Primitive) -> tuple[str, str, str, str]:
        go, to, from_ = _PRIMITIVES[t.name]
        if go.startswith("time."):
            self.uses_time = True
        return t.name.capitalize(), go, to, from_

    def _optional(self, t: ugm.Optional) -> tuple[str, str, str, str]:
        inner = self.of(t.inner)
        if self.nilable(inner.go):  # slices, maps and handles are nil already: no pointer on top
            to = f"if v == nil {{\n    return nil\n}}\nreturn {inner.to}(v)"
            from_ = f"if v == nil {{\n    return nil, nil\n}}\nreturn {inner.from_}(ch, v)"
            return "Opt" + inner.key, inner.go, to, from_
        to = f"if v == nil {{\n    return nil\n}}\nreturn {inner.to}(*v)"
        from_ = dedent(
            f"""\
            if v == nil {{
                return nil, nil
            }}
            x, err := {inner.from_}(ch, v)
            if err != nil {{
                return nil, err
            }}
            return &x, nil"""
        )
        return "Opt" + inner.key, "*" + inner.go, to, from_

    def _listof(self, t: ugm.ListOf) -> tuple[str, str, str, str]:
        item = self.of(t.item)
        go = "[]" + item.go
        to = dedent(
            f"""\
            out := make([]any, len(v))
            for i, x := range v {{
                out[i] = {item.to}(x)
            }}
            return out"""
        )
        from_ = dedent(
            f"""\
            s, ok := v.([]any)
            if !ok {{
                return nil, badWire("a list", v)
            }}
            out := make({go}, len(s))
            for i, x := range s {{
                var err error
                if out[i], err = {item.from_}(ch, x); err != nil {{
                    return nil, err
                }}
            }}
            return out, nil"""
        )
        return "List" + item.key, go, to, from_

    def _mapof(self, t: ugm.MapOf) -> tuple[str, str, str, str]:
        value = self.of(t.value)
        if t.key == ugm.Primitive("str"):
            key_go, key_name, wire_map = "string", "Str", "map[string]any"
            read = "m, ok := v.(map[string]any)"
        elif t.key == ugm.Primitive("int"):
            key_go, key_name, wire_map = "int64", "Int", "map[int64]any"
            read = "m, ok := intKeyed(v)"
        else:
            self._error(t, "the Go target can only use str and int as map keys")
            key_go, key_name, wire_map = "string", "Str", "map[string]any"
            read = "m, ok := v.(map[string]any)"
        go = f"map[{key_go}]{value.go}"
        to = dedent(
            f"""\
            out := make({wire_map}, len(v))
            for k, x := range v {{
                out[k] = {value.to}(x)
            }}
            return out"""
        )
        from_ = dedent(
            f"""\
            {read}
            if !ok {{
                return nil, badWire("a map", v)
            }}
            out := make({go}, len(m))
            for k, x := range m {{
                y, err := {value.from_}(ch, x)
                if err != nil {{
                    return nil, err
                }}
                out[k] = y
            }}
            return out, nil"""
        )
        return f"Map{key_name}{value.key}", go, to, from_

    def _name(self, t: Compound) -> str:
        return self.names.get(t) or shape(t)  # naming.names_of names every one it can see

    def _unionof(self, t: ugm.UnionOf) -> tuple[str, str, str, str]:
        name = self._name(t)
        u = decls.union(name, t, [(x, self.of(x)) for x in t.members])
        self.unions[name] = u
        return (name, name, *decls.union_bodies(u))

    def _literalof(self, t: ugm.LiteralOf) -> tuple[str, str, str, str]:
        name = self._name(t)
        s = decls.literal_set(name, t)
        self.literal_sets[name] = s
        prim = self.of(ugm.Primitive("int" if s.base == "int64" else "str"))
        return (name, name, *decls.literal_bodies(s, prim))

    def _tupleof(self, t: ugm.TupleOf) -> tuple[str, str, str, str]:
        name = self._name(t)
        tp = decls.tuple_(name, t, [self.of(x) for x in t.items])
        self.tuples[name] = tp
        return (name, name, *decls.tuple_bodies(tp))

    def wrap(self, union: ugm.UnionOf, member: ugm.TypeRef | None, value: str) -> str:
        """`value` (spelled as `member`) as a value of the union: its member type around it."""
        u = self.unions.get(self.of(union).go)
        if u is None or member is None or member not in union.members:
            return value
        return u.members[union.members.index(member)].wrap.format(value)

    def nilable(self, go: str) -> bool:
        """Whether Go type `go` holds nil already: a union's interface does too."""
        return go in self.unions or nilable(go)

    def _streamof(self, t: ugm.StreamOf) -> tuple[str, str, str, str]:
        # A stream parameter is any iter.Seq[T]; its wire form is what graft.Call.Input takes.
        # (A streamed result is a *graft.Stream[T] of item conversions: members.py.)
        item = self.of(t.item)
        go = f"func(yield func({item.go}) bool)"
        to = dedent(
            f"""\
            return func(yield func(any) bool) {{
                if v != nil {{
                    v(func(x {item.go}) bool {{ return yield({item.to}(x)) }})
                }}
            }}"""
        )
        return "Stream" + item.key, go, to, 'return nil, badWire("no stream as a value", v)'

    def _named(self, t: ugm.Named) -> tuple[str, str, str, str]:
        kind = self.kinds.get(t.name)
        if kind == "record":
            return t.name, t.name, "return v.toWire()", f"return decode{t.name}(ch, v)"
        if kind == "enum":
            base = self.enum_bases.get(t.name, "string")
            prim = self.of(ugm.Primitive("int" if base == "int64" else "str"))
            from_ = f"x, err := {prim.from_}(ch, v)\nreturn {t.name}(x), err"
            return t.name, t.name, f"return {base}(v)", from_
        if kind == "class":
            to = "if v == nil {\n    return nil\n}\nreturn &v.ref"
            from_ = dedent(
                f"""\
                if v == nil {{
                    return nil, nil
                }}
                ref, ok := v.(graft.InstanceRef)
                if !ok {{
                    return nil, badWire("an instance of {t.name}", v)
                }}
                return &{t.name}{{ch: ch, ref: ref}}, nil"""
            )
            return t.name, "*" + t.name, to, from_
        if kind == "error":
            self._error(t, f"the Go target cannot pass the error type {t.name} as a value")
        else:
            self._error(t, f"unknown type {t.name!r}")
        return t.name, "any", "return v", "return v, nil"
