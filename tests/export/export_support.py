"""What the exporter tests import by name (a conftest is not importable by name when several
test folders each have one)."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("GRAFT_UPDATE_GOLDEN") == "1"

if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

MakeModule = Callable[..., types.ModuleType]


def check_golden(path: Path, actual: str) -> None:
    """Compare with the golden file (or rewrite it under GRAFT_UPDATE_GOLDEN=1)."""
    if UPDATE or not path.exists():
        path.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path.name} did not exist and was written; review and commit it")
    assert actual == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; rerun with GRAFT_UPDATE_GOLDEN=1 and review the diff"
    )
