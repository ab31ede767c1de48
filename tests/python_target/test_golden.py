"""generated_examples/python holds the packages generated for the example modules; regenerating
them must give exactly the same files. After an intended change, update them with:

    graftc build --from-module examples/calculator.py -o generated_examples/python/graft-calculator
    graftc build --from-module examples/shop.py -o generated_examples/python/graft-shop
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from graftc.cli import main

from .support import ROOT

GOLDEN = ROOT / "generated_examples" / "python"


def files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part in CACHES for part in p.parts) and ".egg-info" not in str(p)
    }


# tools leave these behind when run inside generated_examples; they are not generated output
CACHES = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


@pytest.mark.parametrize("example", ["calculator", "shop"])
def test_generated_examples_are_up_to_date(example: str, tmp_path: Path) -> None:
    out = tmp_path / f"graft-{example}"
    assert (
        main(["build", "--from-module", str(ROOT / "examples" / f"{example}.py"), "-o", str(out)])
        == 0
    )
    fresh, golden = files(out), files(GOLDEN / f"graft-{example}")
    assert sorted(fresh) == sorted(golden), "files differ; regenerate (see this module's doc)"
    for name, text in fresh.items():
        if text != golden[name]:
            diff = "".join(
                difflib.unified_diff(
                    golden[name].splitlines(True), text.splitlines(True), f"golden/{name}", name
                )
            )
            pytest.fail(f"{name} differs from generated_examples (regenerate it):\n{diff}")
