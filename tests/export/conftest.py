"""Fixtures of the exporter tests: the `exportfix` fixture package is importable by name, and
golden files are rewritten (instead of compared) when GRAFT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import itertools
import os
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from graftcode_runtime.introspect import load_module

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("GRAFT_UPDATE_GOLDEN") == "1"

if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

_counter = itertools.count()

MakeModule = Callable[..., types.ModuleType]


@pytest.fixture
def make_module(tmp_path: Path) -> Iterator[MakeModule]:
    """Write `source` (dedented) as a uniquely named module file and load it like a user's."""
    names: list[str] = []

    def make(source: str, name: str | None = None) -> types.ModuleType:
        name = name or f"exportcase_{os.getpid()}_{next(_counter)}"
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        names.append(name)
        return load_module(str(path))

    yield make
    for name in names:
        sys.modules.pop(name, None)


def check_golden(path: Path, actual: str) -> None:
    """Compare with the golden file (or rewrite it under GRAFT_UPDATE_GOLDEN=1)."""
    if UPDATE or not path.exists():
        path.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path.name} did not exist and was written; review and commit it")
    assert actual == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; rerun with GRAFT_UPDATE_GOLDEN=1 and review the diff"
    )
