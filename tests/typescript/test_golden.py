"""generated_examples/typescript holds the TypeScript packages generated from the examples; this
test regenerates them and diffs. After an intended generator change, refresh them with

    GRAFT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/typescript/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest
import tsharness
from graftc.commands.build import DEFAULT_URL

GOLDEN = tsharness.ROOT / "generated_examples" / "typescript"
EXAMPLES = {"graft-calculator": "calculator.py", "graft-shop": "shop.py"}


def _files(base: Path) -> dict[str, str]:
    return {
        str(p.relative_to(base)): p.read_text("utf-8")
        for p in sorted(base.rglob("*"))
        if p.is_file() and "node_modules" not in p.parts and "dist" not in p.parts
    }


@pytest.mark.parametrize("package", sorted(EXAMPLES))
def test_generated_example_is_current(package: str, tmp_path: Path) -> None:
    source = tsharness.ROOT / "examples" / EXAMPLES[package]
    fresh = tsharness.generate(str(source), tmp_path / package, url=DEFAULT_URL)
    golden = GOLDEN / package
    if os.environ.get("GRAFT_UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(fresh, golden)
    want, got = _files(golden), _files(fresh)
    assert sorted(want) == sorted(got), f"files differ: {sorted(want)} vs {sorted(got)}"
    for name in want:
        if want[name] != got[name]:
            diff = "".join(
                difflib.unified_diff(
                    want[name].splitlines(True),
                    got[name].splitlines(True),
                    f"golden/{name}",
                    f"fresh/{name}",
                )
            )
            pytest.fail(
                f"{package}/{name} is out of date (see the module docstring):\n{diff[:6000]}"
            )


@pytest.mark.node
def test_generated_examples_pass_strict_tsc(runtime: Path, tmp_path: Path) -> None:
    """The committed packages compile under `tsc --strict --noEmit` against the runtime."""
    for package in EXAMPLES:
        work = tmp_path / package
        shutil.copytree(GOLDEN / package, work)
        (work / "node_modules").mkdir()
        (work / "node_modules" / "graftcode-runtime").symlink_to(tsharness.RUNTIME)
        tsharness.run([str(tsharness.TSC), "-p", "tsconfig.json", "--strict", "--noEmit"], work)
