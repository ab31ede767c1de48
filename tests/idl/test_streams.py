"""`stream<T>` in the IDL (docs/idl.md, "Streams"): a method's return type (server streaming)
or the type of one of its parameters (client streaming), both for bidirectional; nowhere
else. Printing, formatting, the JSON form and the schema hash carry it."""

from __future__ import annotations

import pytest
from graftc.diagnostics import DiagnosticError
from graftc.idl import format_source, parse, print_module
from graftcode_runtime import ugm

GOOD = """module logs version "1.0.0";

record Line {
    seq: int;
    text: str;
}

service logs {
    /// Follow an app's log.
    fn tail(app: str, from_seq: int = 0) -> stream<Line>;

    fn upload(name: str, chunks: stream<bytes>) -> int;

    fn echo(values: stream<int?>) -> stream<str>;
}

class Feed {
    constructor(prefix: str);

    fn lines(n: int) -> stream<str>;
}
"""


def test_stream_types_parse_print_and_format_back() -> None:
    module = parse(GOOD, "logs.graft")
    tail = module.services[0].methods[0]
    assert tail.returns == ugm.StreamOf(ugm.Named("Line"))
    upload = module.services[0].methods[1]
    assert upload.params[1].type == ugm.StreamOf(ugm.Primitive("bytes"))
    assert ugm.type_text(tail.returns) == "stream<Line>"
    assert print_module(module) == GOOD
    assert format_source(GOOD, "logs.graft") == GOOD
    assert parse(print_module(module)) == module


def test_the_json_form_and_the_schema_hash_carry_streams() -> None:
    module = parse(GOOD)
    assert ugm.loads(ugm.dumps(module)) == module
    unary = parse(GOOD.replace("-> stream<Line>", "-> list<Line>"))
    assert ugm.schema_hash(unary) != ugm.schema_hash(module)
    assert '"node": "StreamOf"' in ugm.dumps(module)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("fn f(x: list<stream<int>>) -> int;", "not part of another type"),
        ("fn f() -> stream<int>?;", "not part of another type"),
        ("fn f() -> map<str, stream<int>>;", "not part of another type"),
        ("fn f(a: stream<int>, b: stream<int>);", "'b': a method takes at most one stream"),
        ("fn f() -> stream<none>;", "'none' can only be a return type"),
    ],
)
def test_misplaced_streams_are_positioned_errors(source: str, message: str) -> None:
    text = f'module m version "1.0.0";\n\nservice m {{\n    {source}\n}}\n'
    with pytest.raises(DiagnosticError) as info:
        parse(text, "m.graft")
    rendered = str(info.value)
    assert message in rendered and "m.graft:4:" in rendered


@pytest.mark.parametrize(
    ("decl", "message"),
    [
        ("record R {\n    f: stream<int>;\n}", "not part of another type"),
        ("class C {\n    prop p: stream<int>;\n}", "not part of another type"),
        ("class C {\n    constructor(x: stream<int>);\n}", "a constructor cannot take a stream"),
    ],
)
def test_streams_outside_methods_are_refused(decl: str, message: str) -> None:
    with pytest.raises(DiagnosticError) as info:
        parse(f'module m version "1.0.0";\n\n{decl}\n', "m.graft")
    assert message in str(info.value)
