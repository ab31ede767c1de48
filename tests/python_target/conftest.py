"""Fixtures of the Python target tests (helpers live in support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import Gateway, serve


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers this marker; declare it too for runs with `-p no:xdist`
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture(scope="module")
def kitchen_gateway() -> Iterator[Gateway]:
    """The kitchen on TCP and WebSocket, one gateway per test module."""
    with serve("--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0") as gateway:
        yield gateway
