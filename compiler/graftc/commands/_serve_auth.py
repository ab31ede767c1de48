"""`graftc serve` options for who may call and what runs around each call: `--auth-tokens`,
`--auth-hook`, `--interceptor`, `--otel`, and `--vision-http` (Vision alone, without auth, for
development). Kept apart from `serve.py` so each stays short."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from graftcode_runtime.gateway import (
    DEFAULT_HTTP_PORT,
    HttpRequest,
    HttpResponse,
    HttpRoute,
    ServerInterceptor,
    TokenFileError,
    load_interceptor,
    parse_listen_address,
    parse_token_file,
)

OTEL_INTERCEPTOR = "graftcode_runtime.otel:ServerTracing"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--auth-tokens",
        metavar="FILE",
        help="named tokens, one `name: token` per line (# comments); a client's token names "
        "its identity; reloaded on SIGHUP (a bad file keeps the tokens in use)",
    )
    p.add_argument(
        "--auth-hook",
        metavar="MODULE:FUNCTION",
        help="a function given the credentials and peer of every HELLO and HTTP request; it "
        "returns an identity (a name) or refuses",
    )
    p.add_argument(
        "--interceptor",
        action="append",
        default=[],
        metavar="MODULE:NAME",
        help="a ServerInterceptor run around every call (repeatable; the first given is the "
        "outermost)",
    )
    p.add_argument(
        "--otel",
        action="store_true",
        help=f"a server span per call with OpenTelemetry (the same as --interceptor "
        f"{OTEL_INTERCEPTOR}; needs the graftcode-runtime[otel] extra)",
    )
    p.add_argument(
        "--tls-client-ca",
        metavar="FILE",
        help="with --tls-cert: ask clients for a certificate signed by these CAs (PEM); the "
        "--auth-hook sees it as credentials.peer.tls_cert",
    )
    p.add_argument(
        "--vision-http",
        metavar="HOST:PORT",
        help="DEVELOPMENT ONLY: serve the Vision page alone here without auth, while the "
        "--http listener keeps requiring it",
    )


def vision_listener(
    args: argparse.Namespace, routes: list[HttpRoute]
) -> tuple[tuple[str, int] | None, list[HttpRoute]]:
    """The `--vision-http` address (ValueError when malformed) and the one route it serves:
    the Vision page, and nothing else (no model, no packages)."""
    if not args.vision_http:
        return None, []
    address = parse_listen_address(args.vision_http, DEFAULT_HTTP_PORT + 1)
    page = next(r for r in routes if r.matches("/vision"))

    def vision_only(request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        runtime = request.path.startswith("/vision/rt/")  # what "Try it" loads
        if request.path.rstrip("/") not in ("", "/vision") and not runtime:
            return HttpResponse.text("only Vision is served here\n", status=404)
        return page.handler(request)

    return address, [HttpRoute("/", vision_only)]


def gateway_options(args: argparse.Namespace) -> dict[str, Any]:
    """GatewayConfig fields from the options; raises ValueError naming the option at fault.
    Call it after the hosted modules are loaded (their --path entries are then importable)."""
    for entry in (*args.path, "."):
        if str(Path(entry).resolve()) not in sys.path:
            sys.path.insert(0, str(Path(entry).resolve()))
    options: dict[str, Any] = {}
    if args.tls_client_ca:
        if not args.tls_cert:
            raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
        if not Path(args.tls_client_ca).is_file():
            raise ValueError(f"--tls-client-ca {args.tls_client_ca}: no such file")
        options["tls_client_ca"] = args.tls_client_ca
    if args.auth_tokens:
        try:
            parse_token_file(args.auth_tokens)
        except TokenFileError as e:
            raise ValueError(f"--auth-tokens {e}") from None
        options["auth_tokens_file"] = args.auth_tokens
    if args.auth_hook:
        options["auth"] = _load_function(args.auth_hook)
    specs = [*args.interceptor, *([OTEL_INTERCEPTOR] if args.otel else [])]
    interceptors: list[ServerInterceptor] = []
    for spec in specs:
        try:
            interceptors.append(load_interceptor(spec))
        except ValueError as e:
            raise ValueError(f"--interceptor {e}") from None
    if interceptors:
        options["interceptors"] = tuple(interceptors)
    return options


def _load_function(spec: str) -> Any:
    mod, sep, attr = spec.partition(":")
    if not sep or not mod or not attr:
        raise ValueError(f"--auth-hook {spec!r}: expected 'package.module:function'")
    try:
        func = getattr(importlib.import_module(mod), attr)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"--auth-hook cannot load {spec!r}: {e}") from None
    if not callable(func):
        raise ValueError(f"--auth-hook {spec!r} is not a function")
    return func
