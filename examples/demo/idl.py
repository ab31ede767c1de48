"""The first step of `make demo`: the .graft language. Parse, check, print canonically, and show
what an error looks like."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TITLE = "IDL: parse, check and print the example interface"


def run(root: Path) -> int:
    from graftc import idl
    from graftc.diagnostics import DiagnosticError, render_all

    path = root / "docs" / "idl-sketch.graft"
    text = path.read_text()
    module = idl.load(path)
    kinds = Counter(type(d).__name__.lower() for d in module.decls)
    summary = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in sorted(kinds.items()))
    print(f"  {path.relative_to(root)}: module {module.name} {module.version}: {summary}")
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
