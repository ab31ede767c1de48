"""`graftc check`: not built yet (placeholder so the command registry is complete)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("check", help="(not built yet)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("graftc check: not built yet", file=sys.stderr)
    return 2
