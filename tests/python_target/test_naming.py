"""Names: package names, escaping of keywords and builtins, collisions as positioned errors."""

from __future__ import annotations

import pytest
from graftc.diagnostics import DiagnosticError
from graftc.idl import parse
from graftc.targets.python import naming, render_module
from graftc.targets.python.lower import lower
from graftcode_runtime import ugm


def test_package_names() -> None:
    assert naming.distribution_name("shop") == "graft-shop"
    assert naming.import_name("shop") == "graft_shop"
    assert naming.distribution_name("acme.shop_v2") == "graft-acme-shop-v2"
    assert naming.import_name("acme.shop") == "graft_acme_shop"


def test_escape_rules() -> None:
    # variables (parameters, module-level names): keywords and builtins
    assert naming.escape("class") == "class_"
    assert naming.escape("list") == "list_"
    assert naming.escape("id") == "id_"
    assert naming.escape("match") == "match"  # a soft keyword is a fine identifier
    assert naming.escape("sku") == "sku"
    # attributes (fields, methods, properties): keywords only; `order.id` shadows nothing
    assert naming.attribute("from") == "from_"
    assert naming.attribute("id") == "id"
    assert naming.attribute("close", {"close"}) == "close_"


KEYWORDS = """\
module kw version "1.0.0";
enum Mode { None = 1; ALL = 2; }
record R { class: int; id: int; }
error Bad { type: str; }
service kw { fn find(id: int, from: str = "x", *, lambda: bool = false) -> R raises Bad; }
class Box { fn close() -> int; prop import: int; static fn make(self: int, ch: str) -> Box; }
"""


def test_keywords_and_builtins_escaped_consistently() -> None:
    module = parse(KEYWORDS, "kw.graft")
    pkg = lower(module)
    record = pkg.records[0]
    assert [f.name for f in record.fields] == ["class_", "id"]
    assert [f.wire_name for f in record.fields] == ["class", "id"]
    assert [m.name for m in pkg.enums[0].members] == ["None_", "ALL"]
    assert [f.name for f in pkg.errors[0].fields] == ["type_"]  # a constructor parameter
    method = pkg.services[0].methods[0]
    assert method.params == 'self, id_: int, from_: str = "x", *, lambda_: bool = False'
    # the wire keeps the IDL names
    assert '"id": id_' in method.invoke and '"from": from_' in method.invoke
    assert '"lambda": lambda_' in method.invoke
    box = pkg.classes[0]
    assert [m.name for m in box.methods] == ["close_"]  # `close()` releases the proxy
    assert [p.name for p in box.properties] == ["import_"]
    # names the generated bodies use themselves
    assert box.statics[0].params.startswith("self_: int, ch_: str")
    files = {f.path: f.text for f in render_module(module)}
    assert "from_: str" in files["graft_kw/_client.py"]


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        (
            'module c version "1.0.0";\nrecord R {\n    class: int;\n    class_: int;\n}\n',
            4,
            5,
            "'class_' and 'class' (declared at 3:5) both become the Python name 'class_' "
            "in record R",
        ),
        (
            'module c version "1.0.0";\nservice c {\n    fn f(list: int, list_: str);\n}\n',
            3,
            21,
            "'list_' and 'list' (declared at 3:10) both become the Python name 'list_'",
        ),
        (
            'module c version "1.0.0";\nrecord CClient { a: int; }\nservice c { fn f(); }\n',
            3,
            9,
            "'c (its client class)' and 'CClient' (declared at 2:8) both become the Python "
            "name 'CClient'",
        ),
        (
            'module c version "1.0.0";\nclass K {\n    fn set_note() -> int;\n'
            "    prop mut note: int;\n}\n",
            4,
            14,
            "'note (its async setter)' and 'set_note' (declared at 3:8) both become the Python "
            "name 'set_note' in class K",
        ),
    ],
)
def test_collisions_after_escaping_are_positioned_errors(
    text: str, line: int, col: int, fragment: str
) -> None:
    module = parse(text, "c.graft")
    with pytest.raises(DiagnosticError) as info:
        lower(module, source=text, source_file="c.graft")
    d = info.value.diagnostics[0]
    assert (d.file, d.line, d.column) == ("c.graft", line, col), d.render()
    assert fragment in d.message
    assert d.render().startswith(f"c.graft:{line}:{col}: error: ")
    assert "^" in d.render()  # the source line and a caret


def test_class_fields_in_records_are_rejected_with_position() -> None:
    text = 'module c version "1.0.0";\nclass K { fn f(); }\nrecord R { k: K; }\n'
    with pytest.raises(DiagnosticError) as info:
        lower(parse(text, "c.graft"), source=text, source_file="c.graft")
    d = info.value.diagnostics[0]
    assert (d.line, d.column) == (3, 15)
    assert "class" in d.message


def test_package_name_option_and_bad_version() -> None:
    module = ugm.Module("shop", "1.0.0")
    assert lower(module, package_name="vendored_shop").import_name == "vendored_shop"
    with pytest.raises(DiagnosticError, match="has no PEP 440 spelling"):
        lower(ugm.Module("shop", "1.0.0+build.7"))
    assert lower(ugm.Module("shop", "1.2.0-rc.1")).package_version == "1.2.0rc1"
    with pytest.raises(DiagnosticError, match="not a Python identifier"):
        lower(module, package_name="no-dashes")
