"""`graftc build`: generate a typed client package for a module, from IDL or from Python.

graftc build shop.graft --target python                # writes ./graft-shop/
graftc build --from-module examples/shop.py -o out/graft-shop
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graftcode_runtime import ugm

from graftc import targets
from graftc.diagnostics import Diagnostic, DiagnosticError, render_all

DESCRIPTION = """\
Generate an installable client package for a module. The module comes from a .graft file or,
with --from-module, from a Python module exported on the fly. The package depends only on the
graftcode runtime; `pip install` it (python) or `npm install` it (typescript).
"""

DEFAULT_URL = "tcp://127.0.0.1:7470"  # where `graftc serve` listens by default


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "build", help="generate a typed client package", description=DESCRIPTION
    )
    p.add_argument("file", metavar="FILE.graft", nargs="?", help="the module's IDL")
    p.add_argument(
        "--from-module",
        metavar="MODULE",
        help="export this Python module (dotted name, .py file or package dir) instead of "
        "reading an IDL file",
    )
    p.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="with --from-module: add DIR to the import path (repeatable)",
    )
    p.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="with --from-module: leave unsupported members out with a warning instead of failing",
    )
    p.add_argument("--target", choices=targets.names(), default="python", help="default: python")
    p.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="the package's project directory (default: the target's, e.g. ./graft-<module>)",
    )
    p.add_argument(
        "--package-name",
        metavar="NAME",
        help="the import name (python; default graft_<module>) or package name (typescript)",
    )
    p.add_argument(
        "--default-url",
        metavar="URL",
        default=DEFAULT_URL,
        help=f"the gateway URL the client uses when nothing else is configured "
        f"(default {DEFAULT_URL})",
    )
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a target-specific option (repeatable)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write into DIR even if the project manifest there was not written by graftc",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.from_module is None):
        print("graftc build: give exactly one of FILE.graft or --from-module", file=sys.stderr)
        return 2
    if args.skip_unsupported and args.from_module is None:
        print("graftc build: --skip-unsupported goes with --from-module", file=sys.stderr)
        return 2
    module, source, source_file = _load(args)
    try:
        target = targets.get(args.target)
    except targets.UnknownTarget as e:
        print(f"graftc build: {e}", file=sys.stderr)
        return 2
    extra: dict[str, str] = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"graftc build: --option wants KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        extra[key] = value
    out = Path(args.output) if args.output else Path(target.default_dir(module.name))
    foreign = None if args.force else _foreign_manifest(out, target.manifest)
    if foreign is not None:
        raise DiagnosticError(
            [
                Diagnostic(
                    str(foreign),
                    0,
                    0,
                    "not written by graftc; refusing to overwrite it (choose another -o DIR, "
                    "or pass --force)",
                )
            ]
        )
    options = targets.TargetOptions(
        package_name=args.package_name,
        default_url=args.default_url or None,
        source=source,
        source_file=source_file,
        extra=extra,
    )
    try:
        written = target.generate(module, out, options)
    except OSError as e:
        raise DiagnosticError(
            [Diagnostic(str(e.filename or out), 0, 0, e.strerror or str(e))]
        ) from None
    print(f"wrote {len(written)} files to {out}", file=sys.stderr)
    return 0


def _foreign_manifest(out: Path, manifest: targets.Manifest) -> Path | None:
    """The target's project manifest in `out` if graftc did not generate it. `-o .` in
    someone's own project would otherwise replace their pyproject.toml or package.json."""
    path = out / manifest.filename
    try:
        if path.is_file() and manifest.marker not in path.read_text("utf-8"):
            return path
    except (OSError, UnicodeDecodeError):
        return None  # unreadable: generate() reports the real problem when it writes
    return None


def _load(args: argparse.Namespace) -> tuple[ugm.Module, str | None, str]:
    if args.file is not None:
        from graftc import idl

        text = idl.read_source(args.file)
        return idl.parse(text, args.file), text, args.file
    from graftcode_runtime.introspect import ExportError, export_module, load_module

    from graftc.commands.export import diagnostic

    try:
        result = export_module(
            load_module(args.from_module, args.path), skip_unsupported=args.skip_unsupported
        )
    except ExportError as e:
        raise DiagnosticError([diagnostic(p, "error") for p in e.problems]) from None
    if result.warnings:
        print(render_all(diagnostic(w, "warning") for w in result.warnings), file=sys.stderr)
    return result.module, None, ""
