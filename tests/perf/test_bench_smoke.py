"""The benchmark harness still runs from its one command (quick settings; no timing checks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_run_quick_reports_graftcode_beside_the_floor(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--quick",
            "--systems",
            "floor,graftcode-sync,graftcode-trio",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = out.read_text()
    for row in ("| floor |", "| graftcode-sync |", "| graftcode-trio |", "| vs |", "Targets:"):
        assert row in report, report
    assert "add p50 at most 1.3" in report
