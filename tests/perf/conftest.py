"""Functional tests of the fast paths (no timing assertions): the threaded TCP engine, its
timers, the lazy cancel flag and the allocator tuning. They reuse the gateway tests' harness
and fixture module."""

from __future__ import annotations

import sys
from pathlib import Path

GATEWAY_TESTS = Path(__file__).resolve().parents[1] / "gateway"
if str(GATEWAY_TESTS) not in sys.path:
    sys.path.insert(0, str(GATEWAY_TESTS))
