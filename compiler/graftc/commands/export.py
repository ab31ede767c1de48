"""`graftc export`: a Python module's public surface, printed as a canonical `.graft` file.

The introspection itself lives in `graftcode_runtime.introspect` (the gateway needs it at run
time); this command loads the module, turns export problems into diagnostics, and prints.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graftcode_runtime import ugm
from graftcode_runtime.introspect import (
    Export,
    ExportError,
    Problem,
    export_module,
    load_module,
)

from graftc.diagnostics import Diagnostic, DiagnosticError, Severity, at, render_all

DESCRIPTION = """\
Introspect a Python module and print its public surface as IDL: public functions (one service
named after the module), classes, records, enums and errors. MODULE is a dotted name, a .py file
or a package directory. Unsupported constructs are errors naming the member, the type and the
fix; --skip-unsupported leaves them out with a warning instead.
"""

EPILOG = """--types and --methods take several patterns, so write MODULE first
(`graftc export shop --types 'Cart*'`) or end the patterns with `--`.
Rules and the type table: docs/type-mapping.md.
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="print a Python module's public surface as a .graft file",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("module", metavar="MODULE", help="dotted module name, .py file or package dir")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument(
        "--version",
        dest="module_version",
        metavar="V",
        help="module version (default: __version__, else the installed distribution's)",
    )
    add_selection_arguments(p, "export")
    p.add_argument(
        "--report",
        nargs="?",
        const="text",
        choices=("text", "json"),
        help="print, instead of the IDL, each public member exported or refused and why, and "
        "the totals (implies --skip-unsupported; --report=json for JSON)",
    )
    p.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="add DIR to the import path (repeatable)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="with -o: change nothing, exit 1 if FILE is not what export would write (for CI)",
    )
    p.add_argument(
        "--format",
        choices=("idl", "json"),
        default="idl",
        help="idl (default) or the UGM as JSON",
    )
    p.set_defaults(func=run)


def add_selection_arguments(p: argparse.ArgumentParser, verb: str) -> None:
    """--types, --methods and --skip-unsupported, shared by `export` and `serve`."""
    p.add_argument(
        "--types",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATTERN",
        help=f"{verb} only declarations whose name matches a glob (e.g. 'Calc*'); the types "
        "they use come along",
    )
    p.add_argument(
        "--methods",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATTERN",
        help=f"{verb} only methods matching a glob on Owner.name (e.g. 'Cart.*', '*.get_*')",
    )
    p.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="leave unsupported members out with a warning instead of failing",
    )


def run(args: argparse.Namespace) -> int:
    usage = _usage_problem(args)
    if usage:
        print(f"graftc export: error: {usage}", file=sys.stderr)
        return 2
    try:
        with _stdout_to_stderr():
            # Like `python -m`, the working directory is importable, after any --path.
            module = load_module(args.module, [*args.path, os.getcwd()])
            result = export_module(
                module,
                version=args.module_version,
                types=args.types,
                methods=args.methods,
                skip_unsupported=args.skip_unsupported or bool(args.report),
            )
    except ExportError as e:
        raise DiagnosticError([diagnostic(p, "error") for p in e.problems]) from None
    if args.report:
        return _report(result, module, args)
    if result.warnings:
        print(render_all(diagnostic(w, "warning") for w in result.warnings), file=sys.stderr)
    _check_model(result.module, getattr(module, "__file__", None) or args.module)
    text = _render(result.module, args.format)
    if args.check:
        return _check(args.output, text)
    if args.output:
        _write(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0


def _report(result: Export, module: Any, args: argparse.Namespace) -> int:
    from graftc.coverage import build_report, render_json, render_text

    top = sys.modules.get(module.__name__.split(".")[0], module)
    source = getattr(top, "__file__", None) or args.module
    # Paths relative to the directory holding the top package (or the module file).
    root = os.path.dirname(os.path.dirname(source) if hasattr(top, "__path__") else source)
    report = build_report(result, root)
    text = render_json(report) if args.report == "json" else render_text(report)
    if args.output:
        _write(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0


def _usage_problem(args: argparse.Namespace) -> str | None:
    """A mistyped --path would otherwise be ignored, and the module found (or not) elsewhere."""
    if not args.module.strip():
        return "MODULE is empty: give a dotted module name, a .py file or a package directory"
    for directory in args.path:
        if not Path(directory).is_dir():
            return f"--path {directory}: not a directory"
    return None


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """While the user's module is imported, what it prints goes to stderr: stdout carries the
    IDL (`graftc export mod > api.graft`), which a greeting at import would corrupt. Both the
    Python stream and file descriptor 1 (C extensions, os.write) are redirected."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (embedded, closed): the Python stream still moves
        saved = -1
    if saved >= 0:
        os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved >= 0:
            os.dup2(saved, 1)
            os.close(saved)


def _check_model(module: ugm.Module, source: str) -> None:
    """Parse the printed IDL back, so export never prints a file that `graftc parse` refuses:
    some rules span declarations (records that need each other through required fields), and
    some limits are the parser's (nesting depth), so no single member's export can see them."""
    from graftc.idl import parse, print_module

    try:
        parse(print_module(module), f"<IDL of {module.name}>")
    except DiagnosticError as e:
        file = shown_path(source)
        raise DiagnosticError(
            [
                Diagnostic(file, 0, 0, f"{module.name}: the exported IDL would be invalid: {m}")
                for m in dict.fromkeys(d.message for d in e.diagnostics)
            ]
        ) from None


def _render(module: ugm.Module, fmt: str) -> str:
    if fmt == "json":
        return ugm.dumps(module, spans=False) + "\n"
    from graftc.idl import print_module

    return print_module(module)


def _check(output: str | None, text: str) -> int:
    if not output:
        print("graftc export: --check needs -o FILE (the file to compare with)", file=sys.stderr)
        return 2
    try:
        current = Path(output).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current = None
    if current == text:
        return 0
    raise DiagnosticError(
        [
            Diagnostic(
                output,
                0,
                0,
                "out of date with the module's surface; rerun `graftc export` to update it"
                if current is not None
                else "missing or unreadable; run `graftc export -o` to write it",
            )
        ]
    )


def _write(path: Path, text: str) -> None:
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return  # unchanged: keep the timestamp, so build tools see nothing new
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise DiagnosticError([Diagnostic(str(path), 0, 0, e.strerror or str(e))]) from None


def diagnostic(problem: Problem, severity: Severity) -> Diagnostic:
    """A Problem as `file:line:col: severity: member: message` with the source line shown."""
    file = shown_path(problem.file)
    message = f"{problem.member}: {problem.message}"
    if problem.line <= 0:
        return Diagnostic(file, 0, 0, message, severity)
    text: str | None
    try:
        text = Path(problem.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    return at(file, text, problem.line, max(problem.column, 1), message, severity)


def shown_path(file: str) -> str:
    """Relative to the working directory when under it, as compilers print paths."""
    try:
        relative = os.path.relpath(file)
    except ValueError:
        return file
    return file if relative.startswith("..") else relative
