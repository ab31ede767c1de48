"""The TypeScript runtime's own unit tests (node:test, tests/typescript/unit/*.test.mjs): msgpack
exactness, framing, messages, URLs, configuration precedence, value conversion, and the client's
call logic (multiplexing, deadlines, cancel, GOAWAY, limits) against a scripted fake gateway."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import tsharness

pytestmark = pytest.mark.node


def test_node_unit_tests(runtime: Path) -> None:
    files = sorted(str(p) for p in (tsharness.HERE / "unit").glob("*.test.mjs"))
    proc = subprocess.run(
        [tsharness.node_bin(), "--test", "--test-reporter=spec", *files],
        cwd=tsharness.HERE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_runtime_sources_are_prettier_formatted(runtime: Path) -> None:
    prettier = tsharness.ROOT / "runtime" / "typescript" / "node_modules" / ".bin" / "prettier"
    proc = subprocess.run(
        [str(prettier), "--check", "src"],  # options from runtime/typescript/.prettierrc.json
        cwd=tsharness.ROOT / "runtime" / "typescript",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
