"""The Python step of `make demo`: export, build, serve, call through the client, print."""

from __future__ import annotations

import pytest

# examples/ is on sys.path in every test (tests/conftest.py), so the demo imports as `demo`
from demo.targets.python import run

from .support import ROOT

pytestmark = pytest.mark.slow


def test_demo_calls_the_shop_through_the_built_client(capfd: pytest.CaptureFixture[str]) -> None:
    assert run(ROOT) == 0
    out = capfd.readouterr().out
    assert "graftc build shop.graft --target python" in out
    assert "B-2  Piranesi" in out and "price_of('B-2', 3) = 37.50" in out
    assert "cart total: 19.98 | note: gift wrap" in out
    assert "OutOfStock raised on the caller: sku=G-1 available=1" in out
    assert "order #1: 1 line(s), 19.98, PENDING" in out
