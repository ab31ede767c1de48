"""`make demo`: the main job end to end with what exists today.

Each part of graftcode adds its step here: parse and print the example IDL, export the example
module, build its clients, start the gateway, call it from Python and TypeScript, show Vision.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    print("graftcode demo")
    print(f"  repository: {ROOT}")
    print("Python client: export the shop, build its client, serve it, call it")
    from graftc.targets.python.demo import run as python_client_demo

    if python_client_demo(ROOT) != 0:
        return 1
    print("TypeScript client: build the shop's npm package, call the gateway from Node")
    from graftc.targets.typescript.demo import run as typescript_client_demo

    if typescript_client_demo(ROOT) != 0:
        return 1
    if "--serve" in (argv or []):  # last step: leave the gateway running with Vision
        from graftc.devserver.demo import serve_examples

        return serve_examples(ROOT / "examples")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
