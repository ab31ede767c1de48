"""Property tests: for generated models, `parse(print(m)) == m`, printing is idempotent, `fmt`
keeps canonical text unchanged, and the JSON round trip is exact (spans included).

The generator builds only valid models (check() finds nothing), using every construct: all
primitive types, nesting, recursion through optional and list, defaults of every kind, enum
values of both kinds, error hierarchies, all parameter kinds, classes with static methods and
read-write properties, docs with blank lines and odd spacing, annotations. Member names are
drawn partly from the language's own keywords, which the contextual lexer must accept as names.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from graftc import idl
from graftc.diagnostics import DiagnosticError
from graftcode_runtime import ugm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SKETCH = Path(__file__).resolve().parents[2] / "docs" / "idl-sketch.graft"
KEYWORDS = [
    "module", "version", "record", "enum", "error", "service", "class", "fn", "static",
    "constructor", "prop", "mut", "extends", "raises", "list", "map", "none", "true", "false",
    "int", "str",
]  # fmt: skip
DECL_KEYWORDS = ["record", "enum", "error", "service", "class", "fn", "module", "extends"]
PRIMS = [p for p in ugm.PRIMITIVES if p != "none"]

_HEAD = string.ascii_letters + "_"
ident = st.builds(
    lambda h, t: h + t, st.sampled_from(_HEAD), st.text(_HEAD + string.digits, max_size=7)
)
member_name = st.one_of(ident, st.sampled_from(KEYWORDS))
doc_text = st.one_of(
    st.none(),
    st.lists(
        st.text(
            st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=20
        ),
        min_size=1,
        max_size=3,
    ).map("\n".join),
)
int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
semver = st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20)).map(
    lambda t: f"{t[0]}.{t[1]}.{t[2]}"
)


def unique_names(draw: Any, base: st.SearchStrategy[str], n: int) -> list[str]:
    return draw(st.lists(base, min_size=n, max_size=n, unique=True))


class Ctx:
    def __init__(self) -> None:
        self.enums: list[ugm.Enum] = []
        self.records: list[str] = []  # declared so far (acyclic required references)
        self.all_records: list[str] = []
        self.errors: list[str] = []
        self.classes: list[str] = []


def type_for(draw: Any, ctx: Ctx, where: str, depth: int = 0) -> ugm.TypeRef:
    options = ["prim", "prim"]
    if ctx.enums:
        options.append("enum")
    if ctx.records:
        options.append("record")
    if ctx.classes and where != "field":
        options.append("class")
    if depth < 2:
        options += ["optional", "list", "map", "union", "literal", "tuple"]
    kind = draw(st.sampled_from(options))
    if kind == "union":
        members: dict[str, ugm.TypeRef] = {}
        for _ in range(draw(st.integers(2, 3))):
            m = type_for(draw, ctx, where, depth + 1)
            if isinstance(m, ugm.Optional | ugm.UnionOf | ugm.LiteralOf):
                continue
            members.setdefault(ugm.type_text(m), m)
        if len(members) < 2:
            return ugm.UnionOf((ugm.Primitive("int"), ugm.Primitive("str")))
        return ugm.UnionOf(tuple(members.values()))
    if kind == "literal":
        if draw(st.booleans()):
            strs = draw(st.lists(st.text(max_size=4), min_size=1, max_size=3, unique=True))
            return ugm.LiteralOf(tuple(ugm.StrLit(v) for v in strs))
        ints = draw(st.lists(int64, min_size=1, max_size=3, unique=True))
        return ugm.LiteralOf(tuple(ugm.IntLit(v) for v in ints))
    if kind == "tuple":
        n = draw(st.integers(1, 3))
        return ugm.TupleOf(tuple(type_for(draw, ctx, where, depth + 1) for _ in range(n)))
    if kind == "prim":
        return ugm.Primitive(draw(st.sampled_from(PRIMS)))
    if kind == "enum":
        return ugm.Named(draw(st.sampled_from(ctx.enums)).name)
    if kind == "record":
        return ugm.Named(draw(st.sampled_from(ctx.records)))
    if kind == "class":
        return ugm.Named(draw(st.sampled_from(ctx.classes)))
    if kind == "optional":
        inner = type_for(draw, ctx, where, depth + 1)
        if isinstance(inner, ugm.Optional):
            return inner
        # Recursion through an optional may name any record, even a later one or itself.
        if ctx.all_records and draw(st.booleans()):
            return ugm.Optional(ugm.Named(draw(st.sampled_from(ctx.all_records))))
        return ugm.Optional(inner)
    if kind == "list":
        if ctx.all_records and draw(st.booleans()):
            return ugm.ListOf(ugm.Named(draw(st.sampled_from(ctx.all_records))))
        return ugm.ListOf(type_for(draw, ctx, where, depth + 1))
    key = ugm.Primitive(draw(st.sampled_from(["str", "int"])))
    return ugm.MapOf(key, type_for(draw, ctx, where, depth + 1))


def value_for(draw: Any, ctx: Ctx, t: ugm.TypeRef) -> ugm.Value | None:
    """A literal of type `t`, or None when `t` has no literals."""
    if isinstance(t, ugm.Optional):
        if draw(st.booleans()):
            return ugm.NoneLit()
        return value_for(draw, ctx, t.inner) or ugm.NoneLit()
    if isinstance(t, ugm.ListOf):
        items = []
        for _ in range(draw(st.integers(0, 2))):
            v = value_for(draw, ctx, t.item)
            if v is None:
                return ugm.ListLit(())
            items.append(v)
        return ugm.ListLit(tuple(items))
    if isinstance(t, ugm.MapOf):
        pairs: list[tuple[ugm.Value, ugm.Value]] = []
        for _ in range(draw(st.integers(0, 2))):
            k = value_for(draw, ctx, t.key)
            v = value_for(draw, ctx, t.value)
            if k is None or v is None or any(k == p[0] for p in pairs):
                continue
            pairs.append((k, v))
        return ugm.MapLit(tuple(pairs))
    if isinstance(t, ugm.LiteralOf):
        return draw(st.sampled_from(t.values))
    if isinstance(t, ugm.UnionOf):
        for m in t.members:
            v = value_for(draw, ctx, m)
            if v is not None:
                return v
        return None
    if isinstance(t, ugm.TupleOf):
        tuple_items = [value_for(draw, ctx, x) for x in t.items]
        if any(v is None for v in tuple_items):
            return None
        return ugm.ListLit(tuple(v for v in tuple_items if v is not None))
    if isinstance(t, ugm.Named):
        for e in ctx.enums:
            if e.name == t.name:
                return ugm.EnumLit(e.name, draw(st.sampled_from(e.members)).name)
        return None
    assert isinstance(t, ugm.Primitive)
    name = t.name
    if name == "bool":
        return ugm.BoolLit(draw(st.booleans()))
    if name == "int":
        return ugm.IntLit(draw(int64))
    if name == "float":
        if draw(st.booleans()):
            return ugm.IntLit(draw(st.integers(-1000, 1000)))
        return ugm.FloatLit(draw(st.floats(allow_nan=False, allow_infinity=False)))
    if name == "str":
        return ugm.StrLit(draw(st.text(max_size=12)))
    if name == "bytes":
        return ugm.BytesLit(draw(st.binary(max_size=8)))
    if name == "decimal":
        return ugm.StrLit(str(draw(st.decimals(allow_nan=False, allow_infinity=False, places=3))))
    if name == "date":
        return ugm.StrLit(draw(st.dates()).isoformat())
    if name == "datetime":
        return ugm.StrLit(draw(st.datetimes()).isoformat())
    if name == "time":
        return ugm.StrLit(draw(st.times()).isoformat())
    if name == "uuid":
        return ugm.StrLit(str(draw(st.uuids())))
    return None


def annotations(draw: Any, module_version: str) -> tuple[ugm.Annotation, ...]:
    out = []
    if draw(st.integers(0, 4)) == 0:
        reason = draw(st.one_of(st.none(), st.text(max_size=10)))
        out.append(
            ugm.Annotation("deprecated", (ugm.StrLit(reason),) if reason is not None else ())
        )
    if draw(st.integers(0, 4)) == 0:
        out.append(ugm.Annotation("since", (ugm.StrLit(module_version),)))
    return tuple(out)


def fields(draw: Any, ctx: Ctx, version: str) -> tuple[ugm.Field, ...]:
    names = unique_names(draw, member_name, draw(st.integers(0, 4)))
    out = []
    for name in names:
        t = type_for(draw, ctx, "field")
        default = value_for(draw, ctx, t) if draw(st.booleans()) else None
        out.append(ugm.Field(name, t, default, draw(doc_text), annotations(draw, version)))
    return tuple(out)


def params(draw: Any, ctx: Ctx) -> tuple[ugm.Param, ...]:
    names = unique_names(draw, member_name, draw(st.integers(0, 4)))
    kinds = sorted(
        (draw(st.sampled_from(["positional", "either", "keyword"])) for _ in names),
        key=["positional", "either", "keyword"].index,
    )
    out = []
    defaulted = False
    for name, kind in zip(names, kinds, strict=True):
        t = type_for(draw, ctx, "param")
        default = None
        if kind == "keyword" or not defaulted:
            if draw(st.booleans()):
                default = value_for(draw, ctx, t)
        else:
            default = value_for(draw, ctx, t)
            if default is None:  # no literal for this type: make it optional, default none
                t, default = ugm.Optional(t), ugm.NoneLit()
        if kind != "keyword" and default is not None:
            defaulted = True
        out.append(ugm.Param(name, t, default, kind))  # type: ignore[arg-type]
    return tuple(out)


def method(draw: Any, ctx: Ctx, name: str, version: str, static: bool) -> ugm.Method:
    returns: ugm.TypeRef = ugm.Primitive("none")
    if draw(st.booleans()):
        returns = type_for(draw, ctx, "return")
    raises: tuple[str, ...] = ()
    if ctx.errors:
        raises = tuple(draw(st.lists(st.sampled_from(ctx.errors), max_size=2, unique=True)))
    return ugm.Method(
        name, params(draw, ctx), returns, raises, static, draw(doc_text), annotations(draw, version)
    )


@st.composite
def modules(draw: Any) -> ugm.Module:
    version = draw(semver)
    n = draw(st.integers(1, 8))
    base = st.one_of(ident, st.sampled_from(DECL_KEYWORDS))
    names = [
        f"{b}{i}" if b in DECL_KEYWORDS and i else b
        for i, b in enumerate(unique_names(draw, base, n))
    ]
    names = list(
        dict.fromkeys(
            n
            for n in names
            if n not in ugm.PRIMITIVES and n not in ("list", "map", "true", "false")
        )
    )
    kinds = [draw(st.sampled_from(["record", "enum", "error", "service", "class"])) for _ in names]
    ctx = Ctx()
    ctx.all_records = [nm for nm, k in zip(names, kinds, strict=True) if k == "record"]
    # Enums and classes first in the context, so records and methods can refer to any of them.
    for nm, k in zip(names, kinds, strict=True):
        if k == "class":
            ctx.classes.append(nm)
        if k == "enum":
            member_names = unique_names(draw, member_name, draw(st.integers(1, 4)))
            if draw(st.booleans()):
                values: list[int | str] = draw(
                    st.lists(
                        int64, min_size=len(member_names), max_size=len(member_names), unique=True
                    )
                )
            else:
                values = draw(
                    st.lists(
                        st.text(max_size=6),
                        min_size=len(member_names),
                        max_size=len(member_names),
                        unique=True,
                    )
                )
            members = tuple(
                ugm.EnumMember(m, v, draw(doc_text), annotations(draw, version))
                for m, v in zip(member_names, values, strict=True)
            )
            ctx.enums.append(ugm.Enum(nm, members, draw(doc_text), annotations(draw, version)))
    decls: list[ugm.Decl] = []
    for nm, k in zip(names, kinds, strict=True):
        doc, notes = draw(doc_text), annotations(draw, version)
        if k == "enum":
            decls.append(next(e for e in ctx.enums if e.name == nm))
        elif k == "record":
            decls.append(ugm.Record(nm, fields(draw, ctx, version), doc, notes))
            ctx.records.append(nm)
        elif k == "error":
            base = draw(st.sampled_from(ctx.errors)) if ctx.errors and draw(st.booleans()) else None
            own = fields(draw, ctx, version)
            if base is not None:  # fields may not repeat an ancestor's: keep the hierarchy flat
                own = ()
            decls.append(ugm.Error(nm, own, base, doc, notes))
            ctx.errors.append(nm)
        elif k == "service":
            method_names = unique_names(draw, member_name, draw(st.integers(0, 3)))
            methods = tuple(method(draw, ctx, m, version, False) for m in method_names)
            decls.append(ugm.Service(nm, methods, doc, notes))
        else:
            member_names = unique_names(draw, member_name, draw(st.integers(0, 5)))
            split = draw(st.integers(0, len(member_names)))
            methods = tuple(
                method(draw, ctx, m, version, draw(st.booleans())) for m in member_names[:split]
            )
            props = tuple(
                ugm.Property(
                    p,
                    type_for(draw, ctx, "property"),
                    draw(st.booleans()),
                    draw(doc_text),
                    annotations(draw, version),
                )
                for p in member_names[split:]
            )
            ctor = None
            if draw(st.booleans()):
                ctor = ugm.Constructor(
                    params(draw, ctx), (), draw(doc_text), annotations(draw, version)
                )
            decls.append(ugm.Class(nm, ctor, methods, props, doc, notes))
    module_name = ".".join(draw(st.lists(ident, min_size=1, max_size=3)))
    deprecated = draw(st.booleans())
    module_notes = (ugm.Annotation("deprecated", ()),) if deprecated else ()
    return ugm.Module(module_name, version, tuple(decls), draw(doc_text), module_notes)


PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(modules())
def test_generated_model_is_valid_and_parse_of_print_is_identity(m: ugm.Module) -> None:
    assert idl.check(m) == []
    assert idl.parse(idl.print_module(m)) == m


@PROPERTY_SETTINGS
@given(modules())
def test_printing_is_idempotent_fmt_keeps_it_and_json_round_trips(m: ugm.Module) -> None:
    text = idl.print_module(m)
    parsed = idl.parse(text, "gen.graft")
    assert idl.print_module(parsed) == text
    assert idl.format_source(text) == text
    assert ugm.loads(ugm.dumps(m)) == m
    again = ugm.loads(ugm.dumps(parsed))
    assert again == parsed
    assert ugm.to_json(again) == ugm.to_json(parsed)  # spans survive too


def _only_diagnostics(text: str) -> None:
    """Parsing and formatting `text` either succeed or raise DiagnosticError, never crash."""
    for run in (idl.parse, idl.format_source):
        try:
            run(text)
        except DiagnosticError as e:
            assert e.diagnostics
            for d in e.diagnostics:
                assert d.line >= 1 and d.column >= 1
                assert d.source_line is not None


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=string.printable + "é\u2028\x00", max_size=60))
def test_arbitrary_text_never_crashes(text: str) -> None:
    _only_diagnostics('module m version "1.0.0";\n' + text)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_damaged_sketch_never_crashes(data: st.DataObject) -> None:
    text = SKETCH.read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(text) - 1))
    length = data.draw(st.integers(1, 40))
    insert = data.draw(st.sampled_from(["", ";", "}", "{", "/*", '"', "record", "@", "///", "?"]))
    _only_diagnostics(text[:start] + insert + text[start + length :])
