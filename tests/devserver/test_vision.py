"""The Vision page as HTML: what it lists, how it escapes, what each language panel shows."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from graftc.devserver import Endpoints, PackageStore, members_of, render_vision
from graftcode_runtime import ugm

from .conftest import HOST
from .fixtures import calculator


def page(module: ugm.Module | None = None, **kw: object) -> str:
    m = module or calculator()
    return render_vision(
        [m],
        store=PackageStore([m]),
        base_url="http://127.0.0.1:7472",
        endpoints=Endpoints.from_urls(
            ["tcp://0.0.0.0:7470", "ws://127.0.0.1:7471/"], "http://127.0.0.1:7472"
        ),
        idl=kw.get("idl", lambda m: f'/// doc <b>\nmodule {m.name} version "{m.version}";\n'),  # type: ignore[arg-type]
    )


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.scripts: list[str] = []
        self.external: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        for key in ("src", "href"):
            v = a.get(key) or ""
            if v.startswith(("http:", "https:", "//")):
                self.external.append(v)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        if tag not in ("meta", "br", "input", "link"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack[-5:], tag)
        self.stack.pop()
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(html: str) -> _Collect:
    c = _Collect()
    c.feed(html)
    assert c.stack == []
    return c


def test_page_is_balanced_self_contained_html() -> None:
    c = parse(page())
    assert len(c.ids) == len(set(c.ids))  # anchors are unique
    assert c.external == []  # no CDN, no external fonts: works offline


def test_lists_every_declaration_and_member_with_signatures() -> None:
    html = page()
    for text in [
        "fn add(a: int, b: int) -&gt; int",
        "fn divide(a: float, b: float) -&gt; float raises DivisionByZero",
        "fn total(values: list&lt;float&gt;, *, start: float = 0.0) -&gt; float",
        "constructor(start: float = 0.0)",
        "static fn describe() -&gt; str",
        "prop value: float",
        "prop mut label: str",
        "error DivisionByZero",
        "dividend: float",
        "enum Mode",
        "EXACT = 1",
        "record Result",
        "mode: Mode = Mode.EXACT",
        "Add two integers.",
    ]:
        assert text in html, text
    assert len(members_of(calculator())) == 12


def test_module_facts_version_hash_and_deprecation() -> None:
    m = calculator()
    html = page(m)
    assert '<dd class="version">1.0.0</dd>' in html
    assert ugm.schema_hash(m) in html
    assert 'class="badge deprecated" title="use add"' in html
    assert "Deprecated: use add" in html


def test_docs_and_idl_are_escaped() -> None:
    html = page()
    assert "A result &lt;with&gt; markup &amp; quotes &quot;here&quot;." in html
    assert "/// doc &lt;b&gt;" in html
    assert "<b>" not in html


def test_install_and_configuration_per_language() -> None:
    html = page()
    assert (
        "pip install --extra-index-url http://127.0.0.1:7472/pypi/simple/ graft-calculator==1.0.0"
        in html
    )
    assert "npm install http://127.0.0.1:7472/npm/graft-calculator-1.0.0.tgz" in html
    assert "tcp://127.0.0.1:7470" in html  # the wildcard bind address became a usable host
    assert "0.0.0.0" not in html
    assert "inmemory:calculator" in html
    assert "GRAFT_CALCULATOR_URL" in html
    assert html.count('class="copy"') >= 6
    assert 'href="/idl/calculator"' in html and 'download="calculator.graft"' in html


def test_snippets_cover_every_member_in_both_languages() -> None:
    c = parse(page())
    data = json.loads(c.scripts[0])
    assert set(data) == {mem.id for mem in members_of(calculator())}
    for entry in data.values():
        assert set(entry) == {"label", "python", "typescript", "go"}
    assert "from graft_calculator import calculator" in data["calculator.calculator.add"]["python"]
    assert "calculator.add(1, 1)" in data["calculator.calculator.add"]["python"]
    assert 'from "graft-calculator"' in data["calculator.calculator.add"]["typescript"]
    assert "Accumulator(" in data["calculator.Accumulator.add"]["python"]
    assert "start=" not in data["calculator.calculator.total"]["python"]  # defaults left out


def test_script_json_cannot_close_the_script_tag() -> None:
    m = ugm.Module(
        "x",
        "1.0.0",
        (ugm.Enum("E", (ugm.EnumMember("A", "</script><script>alert(1)</script>"),)),),
    )
    html = page(m)
    assert "</script><script>alert" not in html
    parse(html)


def test_without_an_idl_printer_the_page_still_renders() -> None:
    m = calculator()
    html = render_vision([m], store=None, base_url="http://h:1", endpoints=Endpoints(), idl=None)
    assert "IDL printer is not available" in html
    assert "fn add(" in html


def test_served_at_root_and_vision(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    for path in ("/", "/vision", "/vision/"):
        r = s.handle("GET", path, HOST)
        assert r.status == 200
        assert dict(r.headers)["Content-Type"].startswith("text/html")
        assert re.search(rb"<title>graftcode Vision: calculator</title>", r.body)


def test_streaming_members_show_stream_types_and_loop_snippets() -> None:
    str_ = ugm.Primitive("str")
    tail = ugm.Method("tail", (ugm.Param("n", ugm.Primitive("int")),), ugm.StreamOf(str_))
    upload = ugm.Method("upload", (ugm.Param("lines", ugm.StreamOf(str_)),), ugm.Primitive("int"))
    m = ugm.Module("logs", "1.0.0", (ugm.Service("logs", (tail, upload)),))
    html = page(m)
    assert "fn tail(n: int) -&gt; stream&lt;str&gt;" in html
    assert "fn upload(lines: stream&lt;str&gt;) -&gt; int" in html
    snippets = json.loads(parse(html).scripts[0])["logs.logs.tail"]
    assert "for item in logs.tail(1):\n    print(item)" in snippets["python"]
    assert "for await (const item of client.logs.tail(1)) {" in snippets["typescript"]
    assert "for items.Next() {" in snippets["go"]
