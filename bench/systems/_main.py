"""Shared command line for system modules: `serve` prints `READY <port>`; `client PORT` prints JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[1]
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from measure import Settings  # noqa: E402


def main(serve: Callable[[], None], client: Callable[[str, Settings], dict[str, Any]]) -> None:
    if sys.argv[1] == "serve":
        serve()
    else:
        settings = Settings.quick() if "--quick" in sys.argv else Settings()
        result = client(sys.argv[2], settings)
        print(json.dumps(result))


def ready(port: int) -> None:
    print(f"READY {port}", flush=True)
