"""Fixtures for the TypeScript runtime and client tests (they drive Node from pytest)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import tsharness  # noqa: E402


@pytest.fixture(scope="session")
def node() -> str:
    try:
        return tsharness.node_bin()
    except tsharness.NodeUnavailable as e:
        pytest.fail(f"{e}: the TypeScript tests need Node.js 20+ (see README)")


@pytest.fixture(scope="session")
def runtime(node: str) -> Path:
    return tsharness.build_runtime()


@pytest.fixture(scope="session")
def consumer(runtime: Path) -> tsharness.Consumer:
    return tsharness.consumer()


@pytest.fixture(scope="module")
def gateway() -> Iterator[tsharness.Gateway]:
    gw = tsharness.start_gateway("shop", "calculator", "tsfixture")
    try:
        yield gw
    finally:
        gw.stop()
