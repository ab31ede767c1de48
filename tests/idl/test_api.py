"""The front end's public API: parse, load, print_module, check, and the grammar lookup."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from graftc import idl
from graftc.diagnostics import DiagnosticError
from graftc.idl import _parser
from graftcode_runtime import ugm

ROOT = Path(__file__).resolve().parents[2]
SKETCH = ROOT / "docs" / "idl-sketch.graft"


def nodes(obj: Any) -> list[Any]:
    """Every UGM node reachable from `obj` (dataclasses other than spans)."""
    out = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, ugm.Span):
        out.append(obj)
        for f in dataclasses.fields(obj):
            if f.name != "span":
                out += nodes(getattr(obj, f.name))
    elif isinstance(obj, tuple):
        for x in obj:
            out += nodes(x)
    return out


def test_sketch_parses_prints_back_identically_and_round_trips() -> None:
    text = SKETCH.read_text(encoding="utf-8")
    module = idl.load(SKETCH)
    assert module.name == "shop" and module.version == "1.2.0"
    assert [d.name for d in module.decls] == [
        "Category", "OrderStatus", "Product", "Order", "LineItem", "Node",
        "ShopError", "NotFound", "OutOfStock", "shop", "Cart",
    ]  # fmt: skip
    printed = idl.print_module(module)
    assert idl.parse(printed) == module
    # The sketch has only canonical layout besides its plain comments.
    assert idl.format_source(text) == text


def test_every_node_has_a_span_with_the_file() -> None:
    module = idl.parse(SKETCH.read_text(encoding="utf-8"), "sketch.graft")
    found = nodes(module)
    assert len(found) > 150
    for node in found:
        if isinstance(node, ugm.Primitive) and node.name == "none":
            continue  # an omitted `-> T` is the implied none: it has no text to point at
        assert isinstance(node.span, ugm.Span), node
        assert node.span.file == "sketch.graft"
        assert node.span.line >= 1 and node.span.column >= 1


def test_spans_point_at_names() -> None:
    module = idl.parse(SKETCH.read_text(encoding="utf-8"), "s.graft")
    product = module.find("Product")
    assert isinstance(product, ugm.Record) and product.span is not None
    assert (product.span.line, product.span.column) == (24, 8)
    assert (product.span.end_line, product.span.end_column) == (33, 2)
    price = product.fields[2]
    assert price.span is not None and (price.span.line, price.span.column) == (27, 5)
    cart = module.find("Cart")
    assert isinstance(cart, ugm.Class) and cart.constructor is not None
    assert cart.constructor.span is not None and cart.constructor.span.column == 5


def test_sketch_model_details() -> None:
    m = idl.parse(SKETCH.read_text(encoding="utf-8"))
    shop = m.find("shop")
    assert isinstance(shop, ugm.Service)
    checksum = next(f for f in shop.methods if f.name == "checksum")
    assert [(p.name, p.kind) for p in checksum.params] == [
        ("data", "positional"), ("seed", "keyword"), ("ratio", "keyword"), ("strict", "keyword"),
    ]  # fmt: skip
    assert checksum.params[2].default == ugm.FloatLit(0.5)
    assert ugm.deprecation(next(f for f in shop.methods if f.name == "all_products")) == (
        "use list_products"
    )
    ping = next(f for f in shop.methods if f.name == "ping")
    assert ping.returns == ugm.Primitive("none") and not ping.static
    cart = m.find("Cart")
    assert isinstance(cart, ugm.Class)
    assert [p.readonly for p in cart.properties] == [True, True, False]
    assert cart.methods[0].static and cart.methods[0].raises == ("NotFound", "OutOfStock")
    status = m.find("OrderStatus")
    assert isinstance(status, ugm.Enum) and status.members[2].doc == "On its way."
    order = m.find("Order")
    assert isinstance(order, ugm.Record)
    assert order.fields[4].default == ugm.EnumLit("OrderStatus", "PENDING")
    assert order.fields[5].type == ugm.Optional(ugm.Primitive("str"))
    not_found = m.find("NotFound")
    assert isinstance(not_found, ugm.Error) and not_found.base == "ShopError"


def test_print_module_needs_no_spans() -> None:
    m = ugm.Module(
        "demo",
        "1.0.0",
        (
            ugm.Enum("Color", (ugm.EnumMember("RED", "red", doc="Red.\n\n  indented"),)),
            ugm.Record(
                "Point",
                (
                    ugm.Field("x", ugm.Primitive("float"), ugm.IntLit(0)),
                    ugm.Field(
                        "tags", ugm.MapOf(ugm.Primitive("int"), ugm.ListOf(ugm.Named("Color")))
                    ),
                ),
                annotations=(ugm.Annotation("since", (ugm.StrLit("1.0.0"),)),),
            ),
            ugm.Service(
                "demo",
                (
                    ugm.Method(
                        "f",
                        (
                            ugm.Param("a", ugm.Primitive("int"), kind="positional"),
                            ugm.Param("b", ugm.Primitive("bytes"), ugm.BytesLit(b"\xff")),
                            ugm.Param(
                                "c", ugm.Optional(ugm.Named("Point")), ugm.NoneLit(), "keyword"
                            ),
                        ),
                        ugm.Named("Point"),
                    ),
                    ugm.Method("g", (ugm.Param("a", ugm.Primitive("int"), kind="positional"),)),
                ),
            ),
        ),
    )
    text = idl.print_module(m)
    assert text == (
        'module demo version "1.0.0";\n\n'
        'enum Color {\n    /// Red.\n    ///\n    ///   indented\n    RED = "red";\n}\n\n'
        '@since("1.0.0")\n'
        "record Point {\n    x: float = 0;\n    tags: map<int, list<Color>>;\n}\n\n"
        "service demo {\n"
        '    fn f(a: int, /, b: bytes = b"\\xff", *, c: Point? = none) -> Point;\n\n'
        "    fn g(a: int, /);\n"
        "}\n"
    )
    assert idl.parse(text) == m


def test_check_works_on_models_without_spans() -> None:
    m = ugm.Module(
        "bad name",
        "1.0",
        (
            ugm.Record("R", (ugm.Field("f", ugm.Optional(ugm.Optional(ugm.Primitive("int")))),)),
            ugm.Service(
                "s",
                (
                    ugm.Method(
                        "m",
                        (
                            ugm.Param("k", ugm.Primitive("int"), kind="keyword"),
                            ugm.Param("p", ugm.Primitive("int"), kind="positional"),
                        ),
                        static=True,
                    ),
                ),
            ),
        ),
    )
    problems = idl.check(m)
    assert [(d.file, d.line, d.message) for d in problems] == [
        ("<module bad name>", 0, "'bad name' is not a valid module name"),
        (
            "<module bad name>",
            0,
            'invalid version "1.0": expected a semantic version MAJOR.MINOR.PATCH such as "1.0.0"',
        ),
        ("<module bad name>", 0, "'int??' is not a type: an optional cannot be optional"),
        (
            "<module bad name>",
            0,
            "'static' is not allowed in service 's': its functions need no instance, so drop 'static'",
        ),
        (
            "<module bad name>",
            0,
            "positional-only parameter 'p' cannot follow keyword-only parameter 'k'",
        ),
    ]
    assert all(d.render() == d.header() for d in problems)  # no position, no caret


def test_load_reports_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as info:
        idl.load(tmp_path / "missing.graft")
    (d,) = info.value.diagnostics
    assert d.line == 0 and "No such file" in d.message
    bad = tmp_path / "latin1.graft"
    bad.write_bytes(b'module m version "1.0.0"; // caf\xe9\n')
    with pytest.raises(DiagnosticError) as info:
        idl.load(bad)
    assert "not valid UTF-8" in info.value.diagnostics[0].message


def test_load_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    f = tmp_path / "bom.graft"
    f.write_bytes(b'\xef\xbb\xbfmodule m version "1.0.0";\n')
    assert idl.load(f).name == "m"


def test_empty_text_is_one_clear_error() -> None:
    with pytest.raises(DiagnosticError) as info:
        idl.parse("", "e.graft")
    assert [d.header() for d in info.value.diagnostics] == [
        "e.graft:1:1: error: unexpected end of file, expected 'module'"
    ]


def test_keywords_are_names_where_no_keyword_fits() -> None:
    text = (
        'module version version "1.0.0";\n\n'
        'record record {\n    @since("1.0.0")\n    module: int;\n    map: str;\n    error: bool;\n}\n\n'
        "enum enum {\n    true = 1;\n    none = 2;\n}\n\n"
        "class class {\n    constructor(fn: record, static: enum = enum.true);\n\n"
        "    fn prop();\n\n    prop mut: int;\n    prop mut mut2: int;\n}\n"
    )
    m = idl.parse(text)
    assert idl.print_module(m) == text
    cls = m.find("class")
    assert isinstance(cls, ugm.Class)
    assert [(p.name, p.readonly) for p in cls.properties] == [("mut", True), ("mut2", False)]


def test_grammar_is_package_data_linked_from_the_repository() -> None:
    text = _parser.grammar_text()
    assert "start: header decl*" in text
    assert text == (ROOT / "grammar" / "graft.lark").read_text(encoding="utf-8")


def test_all_errors_are_reported_at_once() -> None:
    text = 'module m version "1";\nrecord A { a: X; b: Y; }\nrecord A { }\n'
    with pytest.raises(DiagnosticError) as info:
        idl.parse(text, "m.graft")
    assert [d.header() for d in info.value.diagnostics] == [
        'm.graft:1:18: error: invalid version "1": expected a semantic version MAJOR.MINOR.PATCH such as "1.0.0"',
        "m.graft:2:15: error: unknown type 'X'",
        "m.graft:2:21: error: unknown type 'Y'",
        "m.graft:3:8: error: duplicate declaration 'A' (first declared on line 2)",
    ]


def test_syntax_errors_are_capped() -> None:
    text = 'module m version "1.0.0";\n' + "record A { x: ; }\n" * 80
    with pytest.raises(DiagnosticError) as info:
        idl.parse(text, "many.graft")
    found = info.value.diagnostics
    assert len(found) == 51
    assert [d.line for d in found[:3]] == [2, 3, 4]
    assert found[-1].header() == "many.graft: error: too many syntax errors; stopped after 50"


def test_check_refuses_a_lone_surrogate_in_a_model_built_in_code() -> None:
    """The parser cannot produce one, but an exporter or generator can; UTF-8 cannot carry it."""
    text = ugm.Primitive("str")
    m = ugm.Module(
        "m", "1.0.0", (ugm.Record("R", (ugm.Field("s", text, default=ugm.StrLit("a\ud800")),)),)
    )
    assert [d.message for d in idl.check(m)] == [
        'default "a\\ud800" holds a lone UTF-16 surrogate, not a character'
    ]


def test_a_long_string_literal_costs_memory_in_proportion_to_its_text() -> None:
    """A group repeated per character made the regex engine keep ~400 bytes per character:
    a 5 MB string default took 2 GB."""
    import tracemalloc

    text = 'module m version "1.0.0";\nrecord R { a: str = "' + "x" * 200_000 + '"; }\n'
    idl.parse(text)  # warm the parser cache, so only the parse itself is measured
    tracemalloc.start()
    try:
        idl.parse(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * len(text)
