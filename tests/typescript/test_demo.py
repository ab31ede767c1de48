"""The TypeScript step of `make demo`: build the shop's npm package, call it from Node."""

from __future__ import annotations

from pathlib import Path

import pytest
import tsharness

# examples/ is on sys.path in every test (tests/conftest.py), so the demo imports as `demo`
from demo.targets.typescript import run

pytestmark = [pytest.mark.slow, pytest.mark.node]


def test_demo_calls_the_shop_from_node(runtime: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert run(tsharness.ROOT) == 0
    out = capfd.readouterr().out
    assert "skipped" not in out
    for transport in ("ws://", "tcp://"):
        assert f"    over {transport}" in out
    assert out.count("OutOfStock caught in Node: sku=G-1 available=1") == 2
    assert out.count("cart total: 19.98 | note: gift wrap") == 2
