"""`graftc export MODULE --report`: each public member exported or refused, why, and totals."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_export_cli import run

SOURCE = '''
from __future__ import annotations
import re
from collections.abc import Callable
from typing import Literal
from dataclasses import dataclass
__version__ = "1.2.0"

class Box:
    """Refers to Gone, which is refused, so `Box.gone` goes too."""
    def __init__(self, size: int) -> None:
        self.size: int = size
    def gone(self) -> Gone: ...
    def apply(self, fn: Callable[[int], int]) -> int: ...

@dataclass
class Gone:
    value: re.Pattern[str]

def double(x: int) -> int:
    return 2 * x

def either(x: Literal["a", 1]) -> str:
    return str(x)

def loose(x):
    return x
'''


@pytest.fixture
def module(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "reported.py"
    path.write_text(SOURCE, encoding="utf-8")
    yield str(path)
    sys.modules.pop("reported", None)


def test_text_report_lists_each_member_with_the_reason_and_totals(
    module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([module, "--report"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "coverage of reported 1.2.0"
    rows = [line for line in lines if line.startswith("  ") and not line.startswith("      ")]
    assert rows == [
        "  exported  Box.__init__",
        "  refused   Box.apply [callable, cannot cross] reported.py:14",
        "  refused   Box.gone [uses-refused] reported.py:9",
        "  exported  Box.size",
        "  refused   Gone.value [generic-type] reported.py:18",
        "  exported  reported.double",
        "  refused   reported.either [literal-kind] reported.py:23",
        "  refused   reported.loose [unannotated] reported.py:26",
    ]
    assert "it uses a declaration that was left out" in out
    assert lines[-2] == "total: 8 members, 3 exported, 5 refused (38% exported)"
    assert lines[-1] == (
        "refused by category: callable 1, generic-type 1, literal-kind 1, unannotated 1, "
        "uses-refused 1"
    )


def test_json_report(module: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([module, "--report=json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["totals"] == {
        "members": 8,
        "exported": 3,
        "refused": 5,
        "percent": 38,
        "refused_by_category": {
            "callable": 1,
            "generic-type": 1,
            "literal-kind": 1,
            "unannotated": 1,
            "uses-refused": 1,
        },
    }
    apply = next(m for m in data["members"] if m["name"] == "Box.apply")
    assert (apply["category"], apply["cannot_cross"]) == ("callable", True)
    either = next(m for m in data["members"] if m["name"] == "reported.either")
    assert (either["category"], either["cannot_cross"]) == ("literal-kind", False)
    assert apply["where"] == "reported.py:14"
    assert "functions cannot be sent" in apply["reasons"][0]


def test_report_is_written_with_output(
    module: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "coverage.txt"
    code, out, _ = run([module, "--report", "-o", str(target)], capsys)
    assert (code, out) == (0, "")
    assert target.read_text(encoding="utf-8").startswith("coverage of reported 1.2.0\n")
