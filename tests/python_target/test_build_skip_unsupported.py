"""`graftc build --from-module --skip-unsupported`: the client has the supported members, and
the others are warnings, as with `graftc export --skip-unsupported`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from graftc.cli import main

SOURCE = """from __future__ import annotations
from collections.abc import Callable
__version__ = "1.0.0"

def double(x: int) -> int:
    return 2 * x

def either(x: Callable[[int], int]) -> str:
    return str(x(1))
"""


@pytest.fixture
def module(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "partly.py"
    path.write_text(SOURCE, encoding="utf-8")
    yield path
    sys.modules.pop("partly", None)


def test_refused_without_the_flag(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--from-module", str(module), "-o", str(module.parent / "a")]) == 1
    assert "partly.either" in capsys.readouterr().err


def test_skip_unsupported_builds_the_rest(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = module.parent / "b"
    assert main(["build", "--from-module", str(module), "--skip-unsupported", "-o", str(out)]) == 0
    client = (out / "graft_partly" / "_client.py").read_text(encoding="utf-8")
    assert "def double(" in client and "either" not in client
    assert "warning: partly.either: parameter `x`" in capsys.readouterr().err


def test_skip_unsupported_needs_from_module(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "x.graft", "--skip-unsupported"]) == 2
    assert "--skip-unsupported goes with --from-module" in capsys.readouterr().err
