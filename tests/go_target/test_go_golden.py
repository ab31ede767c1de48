"""generated_examples/go holds the Go modules generated from the examples; this test
regenerates them and diffs. After an intended generator change, refresh them with

    GRAFT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/go_target/test_go_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import gohelp
import pytest
from graftc.commands.build import DEFAULT_URL

GOLDEN = gohelp.ROOT / "generated_examples" / "go"


def _files(base: Path) -> dict[str, str]:
    return {str(p.relative_to(base)): p.read_text("utf-8") for p in sorted(base.rglob("*"))}


@pytest.mark.parametrize("name", sorted(gohelp.EXAMPLES))
def test_generated_example_is_current(name: str, tmp_path: Path) -> None:
    gohelp.go_bin()  # gofmt is part of the output
    fresh = gohelp.build(gohelp.EXAMPLES[name], tmp_path / name, "--default-url", DEFAULT_URL)
    golden = GOLDEN / f"graft-{name}"
    if os.environ.get("GRAFT_UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(fresh, golden)
    want, got = _files(golden), _files(fresh)
    assert sorted(want) == sorted(got), f"files differ: {sorted(want)} vs {sorted(got)}"
    for file in want:
        if want[file] != got[file]:
            diff = "".join(
                difflib.unified_diff(
                    want[file].splitlines(True), got[file].splitlines(True), "golden", "fresh"
                )
            )
            pytest.fail(f"{name}/{file} is out of date (see the module docstring):\n{diff[:6000]}")
