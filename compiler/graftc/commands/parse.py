"""`graftc parse FILE... [--json]`: validate `.graft` files; with --json, print their UGM.

Every file is checked and every error of every file is printed before exiting 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from graftcode_runtime import ugm

from graftc.diagnostics import Diagnostic, DiagnosticError, render_all


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "parse",
        help="check .graft files (and print their model as JSON)",
        description="Parse and check .graft files. Exit 1 when any has errors.",
    )
    p.add_argument(
        "files", nargs="+", metavar="FILE", help=".graft files or directories ('-' reads stdin)"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the UGM as JSON (an object keyed by file when several are given)",
    )
    p.add_argument("--no-spans", action="store_true", help="leave source positions out of --json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graftc import idl

    diagnostics: list[Diagnostic] = []
    modules: dict[str, ugm.Module] = {}
    for path in idl.source_files(args.files):
        try:
            name = "<stdin>" if path == "-" else path
            modules[name] = idl.parse(idl.read_source(path), name)
        except DiagnosticError as e:
            diagnostics.extend(e.diagnostics)
    if diagnostics:
        print(render_all(diagnostics), file=sys.stderr)
        n = len({d.file for d in diagnostics})
        print(f"{len(diagnostics)} error(s) in {n} file(s)", file=sys.stderr)
        return 1
    if args.json:
        spans = not args.no_spans
        if len(modules) == 1:
            (module,) = modules.values()
            print(ugm.dumps(module, spans=spans))
        else:
            docs = {path: ugm.to_json(m, spans=spans) for path, m in modules.items()}
            print(json.dumps(docs, indent=2, sort_keys=True))
        return 0
    for path, m in modules.items():
        print(f"{path}: ok (module {m.name} {m.version}, {len(m.decls)} declarations)")
    return 0
