"""The `graftc` command. Each subcommand lives in `graftc.commands.<name>` and exposes
`register(subparsers)`, which adds its parser and sets `func` (args -> exit code).

Exit codes: 0 success, 1 the input has errors (diagnostics printed), 2 usage errors.
No Python traceback reaches the user; set GRAFTC_DEBUG=1 to see one for an internal error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from graftc import __version__
from graftc.diagnostics import DiagnosticError, render_all

COMMANDS = ("parse", "fmt", "export", "build", "check", "serve", "call", "dev")

Handler = Callable[[argparse.Namespace], int]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser, or with `only` that command's alone: a production gateway
    (`graftc serve --mode production`) then never imports the parser, checker or generators
    that the other commands pull in."""
    parser = argparse.ArgumentParser(
        prog="graftc",
        description="graftcode: call a Python module from other languages and processes, typed.",
    )
    parser.add_argument("--version", action="version", version=f"graftc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"graftc.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(given[0] if given and given[0] in COMMANDS else None)
    args = parser.parse_args(given)
    func: Handler = args.func
    try:
        return func(args)
    except DiagnosticError as e:
        print(render_all(e.diagnostics), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as e:  # the last line of defence: no traceback for users
        if os.environ.get("GRAFTC_DEBUG"):
            traceback.print_exc()
        print(
            f"graftc: internal error: {type(e).__name__}: {e}\n"
            "(this is a bug in graftc; rerun with GRAFTC_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
