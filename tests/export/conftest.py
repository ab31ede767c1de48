"""Fixtures of the exporter tests: the `exportfix` fixture package is importable by name, and
golden files are rewritten (instead of compared) when GRAFT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import itertools
import os
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from export_support import FIXTURES, UPDATE, MakeModule  # noqa: F401
from graftcode_runtime.introspect import load_module

_counter = itertools.count()


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
