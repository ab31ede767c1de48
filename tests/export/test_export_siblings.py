"""Classes of sibling modules of the same top-level package are pulled in when the surface uses
them (never private ones, never another package's); in a parameter's union, members only the
caller's process can make (a function, a compiled pattern, a path object) are left out."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from graftcode_runtime import ugm
from graftcode_runtime.introspect import ExportError, export_module, load_module

FILES = {
    "sib/__init__.py": "",
    "sib/shapes.py": """
class Circle:
    def __init__(self, r: float) -> None:
        self.r: float = r
    def area(self) -> float:
        return 3.14159 * self.r * self.r
""",
    "sib/_hidden.py": """
class Secret:
    def reveal(self) -> str:
        return "no"
""",
    "sib/api.py": """
from __future__ import annotations
import os
import re
from collections.abc import Callable
from sib.shapes import Circle

def make(r: float) -> Circle:
    return Circle(r)

def show(x: float, fmt: str | Callable[[float], str] = "{:.1f}") -> str:
    return fmt.format(x) if isinstance(fmt, str) else fmt(x)

def find(pattern: re.Pattern[str] | str, path: str | os.PathLike[str] | None = None) -> bool:
    return re.search(pattern, str(path or "")) is not None
""",
    "sib/leaky.py": """
from sib._hidden import Secret

def secret() -> Secret:
    return Secret()
""",
}


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    yield tmp_path
    for name in [m for m in sys.modules if m == "sib" or m.startswith("sib.")]:
        del sys.modules[name]


def test_a_sibling_class_is_pulled_in_when_used(root: Path) -> None:
    result = export_module(load_module("sib.api", path=(str(root),)), version="1.0.0")
    circle = result.module.find("Circle")
    assert isinstance(circle, ugm.Class)
    assert [m.name for m in circle.methods] == ["area"]


def test_parameter_unions_leave_out_what_only_the_caller_can_make(root: Path) -> None:
    result = export_module(load_module("sib.api", path=(str(root),)), version="1.0.0")
    service = result.module.find("api")
    assert isinstance(service, ugm.Service)
    params = {p.name: ugm.type_text(p.type) for m in service.methods for p in m.params}
    assert (params["fmt"], params["pattern"], params["path"]) == ("str", "str", "str?")
    notes = [w.message for w in result.warnings]
    assert any("`Callable[[float], str]` can only be made" in n for n in notes), notes
    assert any("`re.Pattern[str]`" in n for n in notes), notes


def test_a_private_sibling_module_is_never_pulled_in(root: Path) -> None:
    with pytest.raises(ExportError) as info:
        export_module(load_module("sib.leaky", path=(str(root),)), version="1.0.0")
    assert "sib._hidden.Secret` is not a record, enum or class" in " ".join(
        p.message for p in info.value.problems
    )
