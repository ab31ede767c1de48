"""`make demo`: the main job end to end with what exists today.

Parse and print the example IDL, then one step per registered target that has one here
(`targets/<name>.py`: export the example shop, build its client, start the gateway, call it),
and with `--serve` leave a gateway running with Vision (`--serve --port-base N`: on ports N, N+1,
N+2, beside another gateway).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def steps() -> list[ModuleType]:
    """The IDL step, then each registered target's step, in registry order."""
    from graftc import targets

    found = [importlib.import_module(f"{__package__}.idl")]
    for name in targets.names():
        try:
            found.append(importlib.import_module(f"{__package__}.targets.{name}"))
        except ModuleNotFoundError as e:
            if e.name != f"{__package__}.targets.{name}":
                raise  # the step exists but is broken
    return found


def main(argv: list[str] | None = None) -> int:
    from .serve import port_base, serve_examples

    try:
        ports = port_base(argv or [])  # checked first: the steps take a while
    except ValueError as e:
        print(f"graftc demo: {e}", file=sys.stderr)
        return 2
    print("graftcode demo")
    print(f"  repository: {ROOT}")
    for step in steps():
        print(step.TITLE)
        if step.run(ROOT) != 0:
            return 1
    if "--serve" in (argv or []):  # last step: leave the gateway running with Vision
        if ports is None:
            return serve_examples(ROOT / "examples")
        return serve_examples(ROOT / "examples", ports=ports)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
