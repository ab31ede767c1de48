"""The Go step of `make demo`: go get the shop's module from the gateway, call it from Go."""

from __future__ import annotations

import gohelp
import pytest

# examples/ is on sys.path in every test (tests/conftest.py), so the demo imports as `demo`
from demo.targets.go import run

pytestmark = pytest.mark.slow


def test_demo_calls_the_shop_from_go(capfd: pytest.CaptureFixture[str]) -> None:
    gohelp.go_bin()
    assert run(gohelp.ROOT) == 0
    out = capfd.readouterr().out
    assert "skipped" not in out and "go get graftcode.dev/g/shop@v1.2.0" in out
    for transport in ("tcp://", "ws://"):
        assert f"    over {transport}" in out
    assert out.count("OutOfStock caught in Go: sku=G-1 available=1") == 2
    assert out.count("cart total: 19.98 | note: gift wrap") == 2
