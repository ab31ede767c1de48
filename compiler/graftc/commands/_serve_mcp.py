"""`graftc serve` options for the MCP endpoint (`/mcp` on the HTTP listener): `--mcp on|off`
and `--mcp-tools`. Kept apart from `serve.py` so each stays short."""

from __future__ import annotations

import argparse
from typing import Any


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--mcp",
        choices=("on", "off"),
        help="serve the module's static functions as MCP tools at /mcp on the HTTP listener "
        "(default: on in development, off in production)",
    )
    p.add_argument(
        "--mcp-tools",
        nargs="+",
        default=[],
        metavar="PATTERN",
        help="expose only these functions as MCP tools (globs: `add`, `Cart.*`); default: every "
        "static function of the served surface",
    )


def gateway_options(args: argparse.Namespace, production: bool) -> dict[str, Any]:
    """The GatewayConfig fields for the MCP endpoint."""
    on = args.mcp == "on" if args.mcp is not None else not production
    return {"mcp": on, "mcp_tools": tuple(args.mcp_tools)}
