"""Shared test configuration. Area-specific fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# The example modules (calculator, shop) are imported by name in many tests.
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))
