"""Fixtures of the deployment tests: gateways behind nginx (see cluster.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from cluster import Cluster, GatewayProc, Nginx  # noqa: E402


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Three gateways (grace 10 s) behind one nginx, started for the test and stopped by PID."""
    gateways = [GatewayProc(tmp_path, f"gw{i}") for i in range(3)]
    nginx = Nginx(tmp_path, gateways)
    try:
        for g in gateways:
            g.start()
        nginx.start()
        yield Cluster(gateways, nginx)
    finally:
        nginx.stop()
        for g in gateways:
            g.stop()
