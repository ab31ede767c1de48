"""Instance attributes of remote classes: which are properties, which callers may set, which doc
comment each one gets; and the gateway reading and writing them on the instance."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_support import MakeModule
from graftc.idl import parse, print_module
from graftcode_runtime import RemoteError, StatusCode, connect, ugm
from graftcode_runtime.introspect import Export, export_module

HEADER = "from __future__ import annotations\n__version__ = '1.0.0'\n"


def export(make_module: MakeModule, source: str) -> Export:
    result = export_module(make_module(HEADER + source))
    assert parse(print_module(result.module)) == result.module
    return result


def props(result: Export, name: str) -> list[tuple[str, bool, str | None]]:
    found = result.module.find(name)
    assert isinstance(found, ugm.Class | ugm.Error)
    if isinstance(found, ugm.Error):
        return [(f.name, True, f.doc) for f in found.fields]
    return [(p.name, p.readonly, p.doc) for p in found.properties]


def test_docs_written_above_attributes_stay_with_their_attribute(
    make_module: MakeModule,
) -> None:
    # email-validator's layout: each string literal is *above* its attribute. It used to be
    # read as the doc of the attribute before it, shifting every doc by one.
    result = export(
        make_module,
        '''
class Validated:
    """What validation returns."""

    """The address as given."""
    original: str

    """The address normalized."""
    normalized: str

    """The local part."""
    local_part: str

    """For backwards compatibility (documents the method below, not `local_part`)."""
    def legacy(self) -> str: ...
''',
    )
    assert props(result, "Validated") == [
        ("original", False, "The address as given."),
        ("normalized", False, "The address normalized."),
        ("local_part", False, "The local part."),
    ]


def test_docs_written_below_attributes_sphinx_style(make_module: MakeModule) -> None:
    result = export(
        make_module,
        '''
class Point:
    """A point."""

    x: int
    """Across."""
    y: int
    """Down."""

    z: int
    """Depth: touches `z`, not the attribute after it."""

    label: str
''',
    )
    assert props(result, "Point") == [
        ("x", False, "Across."),
        ("y", False, "Down."),
        ("z", False, "Depth: touches `z`, not the attribute after it."),
        ("label", False, None),
    ]


def test_hash_colon_comments_above_or_after_and_in_init(make_module: MakeModule) -> None:
    result = export(
        make_module,
        '''
class Job:
    #: How many times it ran,
    #: counting failures.
    runs: int
    owner: str  #: Who started it.

    def __init__(self, name: str) -> None:
        #: The job's name, fixed at creation.
        self.name: str = name
        self.state: str = "new"
        """Where the job is; `advance` moves it."""

    def advance(self) -> None:
        self.state = "running"
''',
    )
    assert props(result, "Job") == [
        ("runs", False, "How many times it ran,\ncounting failures."),
        ("owner", False, "Who started it."),
        ("name", True, "The job's name, fixed at creation."),
        ("state", False, "Where the job is; `advance` moves it."),
    ]


SLOTTED = '''
class Requirement:
    """Parsed once; packaging's Requirement declares its attributes like this."""

    __slots__ = ("name", "url", "extras", "_cache")

    def __init__(self, text: str) -> None:
        self.name: str = text.split("[")[0]
        self.url: str | None = None
        self.extras: list[str] = []
        self._cache: dict[str, str] = {}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.name = state["name"]  # a dunder hook: not evidence callers may set it

    def add_extra(self, extra: str) -> None:
        self.extras = [*self.extras, extra]

    def describe(self) -> str:
        return self.name + "".join(f"[{e}]" for e in self.extras)
'''


def test_slotted_init_attributes_are_properties_read_only_unless_a_method_sets_them(
    make_module: MakeModule,
) -> None:
    assert props(export(make_module, SLOTTED), "Requirement") == [
        ("name", True, None),
        ("url", True, None),
        ("extras", False, None),
    ]


def test_error_fields_set_in_init_keep_their_doc(make_module: MakeModule) -> None:
    result = export(
        make_module,
        '''
class Refused(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"refused {code}")
        #: The refusal code.
        self.code = code

def f() -> None:
    """F.

    Raises:
        Refused: always.
    """
''',
    )
    assert props(result, "Refused") == [("code", True, "The refusal code.")]


def test_gateway_reads_and_writes_instance_attributes_it_exports(tmp_path: Path) -> None:
    path = tmp_path / "slotted.py"
    path.write_text(HEADER + SLOTTED, encoding="utf-8")
    with connect(f"inmemory:{path}") as client:
        req = client.new("Requirement", "pkg[a]")
        assert req.get("name") == "pkg"
        assert req.get("url") is None
        req.call("add_extra", "b")
        assert req.get("extras") == ["b"]
        req.set("extras", ["x", "y"])
        assert req.call("describe") == "pkg[x][y]"
        with pytest.raises(RemoteError) as denied:
            req.set("name", "other")
        assert denied.value.code == StatusCode.PERMISSION_DENIED
        with pytest.raises(RemoteError) as hidden:
            req.get("_cache")
        assert hidden.value.code == StatusCode.NOT_FOUND
