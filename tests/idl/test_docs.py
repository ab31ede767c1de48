"""Every `graft` example in docs/idl.md parses, passes the checks and is canonical."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graftc import idl

DOC = Path(__file__).resolve().parents[2] / "docs" / "idl.md"
BLOCKS = re.findall(r"```graft\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_spec_has_examples() -> None:
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example{i}" for i in range(len(BLOCKS))])
def test_example_is_valid_and_canonical(block: str) -> None:
    idl.parse(block, "idl.md")
    assert idl.format_source(block) == block
