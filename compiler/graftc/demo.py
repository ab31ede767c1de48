"""`make demo`: the main job end to end with what exists today.

Each part of graftcode adds its step here: parse and print the example IDL, export the example
module, build its clients, start the gateway, call it from Python and TypeScript, show Vision.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def idl_demo() -> int:
    """Step 1: the .graft language. Parse, check, print canonically; show what an error looks like."""
    from collections import Counter

    from graftc import idl
    from graftc.diagnostics import DiagnosticError, render_all

    path = ROOT / "docs" / "idl-sketch.graft"
    text = path.read_text()
    module = idl.load(path)
    kinds = Counter(type(d).__name__.lower() for d in module.decls)
    summary = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in sorted(kinds.items()))
    print(f"  {path.relative_to(ROOT)}: module {module.name} {module.version}: {summary}")
    canonical = idl.format_source(text, str(path)) == text
    print(f"  canonical (graftc fmt --check): {'yes' if canonical else 'NO'}")
    round_trip = idl.parse(idl.print_module(module), "<printed>") == module
    print(f"  parse(print(model)) == model: {'yes' if round_trip else 'NO'}")
    broken = 'module shop version "1.0.0";\nrecord P {\n    price: decmal;\n}\n'
    try:
        idl.parse(broken, "broken.graft")
    except DiagnosticError as e:
        print("  a malformed IDL gets compiler-style errors:")
        print("\n".join("    " + line for line in render_all(e.diagnostics).splitlines()))
    return 0 if canonical and round_trip else 1


def main(argv: list[str] | None = None) -> int:
    print("graftcode demo")
    print(f"  repository: {ROOT}")
    print("IDL: parse, check and print the example interface")
    if idl_demo() != 0:
        return 1
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
