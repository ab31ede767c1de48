"""Fixtures of the Python target tests (helpers live in support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import Gateway, serve


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture(scope="module")
def kitchen_gateway() -> Iterator[Gateway]:
    """The kitchen on TCP and WebSocket, one gateway per test module."""
    with serve("--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0") as gateway:
        yield gateway
