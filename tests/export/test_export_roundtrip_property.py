"""Property test: whatever literal defaults and docstrings a module has, the exported IDL parses
back to the exporter's model (the printer and the parser agree on every value the exporter can
produce)."""

from __future__ import annotations

import itertools
import sys
import types
import typing

from graftc.idl import format_source, parse, print_module
from graftcode_runtime.introspect import export_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_names = itertools.count()

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
TEXT = st.text(max_size=20)
BYTES = st.binary(max_size=12)
DOCS = st.one_of(st.none(), st.text(max_size=60))

SCALARS = {
    "int": INT64,
    "float": FLOATS,
    "str": TEXT,
    "bytes": BYTES,
    "bool": st.booleans(),
}


@st.composite
def parameters(draw: st.DrawFn) -> tuple[str, str, object]:
    kind = draw(st.sampled_from(sorted(SCALARS)))
    shape = draw(st.sampled_from(["plain", "list", "map", "optional", "union", "tuple", "literal"]))
    value = draw(SCALARS[kind])
    if shape == "union":
        other = draw(st.sampled_from(sorted(set(SCALARS) - {kind})))
        return f"{kind} | {other} | None", kind, draw(st.one_of(st.none(), st.just(value)))
    if shape == "tuple":
        return f"tuple[{kind}, str]", kind, (value, draw(TEXT))
    if shape == "literal" and kind in ("int", "str"):
        values = draw(st.lists(SCALARS[kind], min_size=1, max_size=3, unique=True))
        return f"Literal[{', '.join(map(repr, values))}]", kind, draw(st.sampled_from(values))
    if shape == "list":
        return f"list[{kind}]", kind, draw(st.lists(SCALARS[kind], max_size=3))
    if shape == "map":
        return f"dict[str, {kind}]", kind, draw(st.dictionaries(TEXT, SCALARS[kind], max_size=3))
    if shape == "optional":
        return f"{kind} | None", kind, draw(st.one_of(st.none(), st.just(value)))
    return kind, kind, value


def module_with(params: list[tuple[str, str, object]], doc: str | None) -> types.ModuleType:
    name = f"exportprop_{next(_names)}"
    module = types.ModuleType(name, doc)
    module.__version__ = "1.0.0"  # type: ignore[attr-defined]
    module.Literal = typing.Literal  # type: ignore[attr-defined]
    namespace: dict[str, object] = {}
    signature = ", ".join(f"p{i}: {annotation}" for i, (annotation, _, _) in enumerate(params))
    exec(f"def f({signature}) -> None: ...", vars(module), namespace)
    fn = namespace["f"]
    fn.__defaults__ = tuple(value for _, _, value in params)  # type: ignore[attr-defined]
    fn.__doc__ = doc
    fn.__module__ = name  # type: ignore[attr-defined]
    module.f = fn  # type: ignore[attr-defined]
    sys.modules[name] = module
    return module


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(parameters(), min_size=1, max_size=4), DOCS, DOCS)
def test_exported_literals_and_docs_round_trip(
    params: list[tuple[str, str, object]], doc: str | None, module_doc: str | None
) -> None:
    module = module_with(params, doc)
    module.__doc__ = module_doc
    try:
        result = export_module(module)
        text = print_module(result.module)
        assert parse(text) == result.module
        assert format_source(text) == text
    finally:
        sys.modules.pop(module.__name__, None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.sets(TEXT, min_size=1, max_size=4), st.sets(INT64, min_size=1, max_size=4)))
def test_enum_values_round_trip(values: set[str] | set[int]) -> None:
    import enum

    name = f"exportprop_{next(_names)}"
    module = types.ModuleType(name)
    module.__version__ = "1.0.0"  # type: ignore[attr-defined]
    members = {f"M{i}": v for i, v in enumerate(sorted(values))}  # type: ignore[type-var]
    kind = enum.Enum("Kind", members, module=name)  # type: ignore[misc]
    module.Kind = kind  # type: ignore[attr-defined]
    sys.modules[name] = module
    try:
        result = export_module(module)
        text = print_module(result.module)
        assert parse(text) == result.module
    finally:
        sys.modules.pop(name, None)
