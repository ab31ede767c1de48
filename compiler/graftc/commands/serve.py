"""`graftc serve MODULE...`: host Python modules behind the Hypertube gateway.

The gateway itself lives in the runtime (`graftcode_runtime.gateway`) and never imports the
compiler. This command adds the HTTP routes that need the compiler: they are listed in
`http_routes()`, one `HttpRoute` each, so new pages (Vision, package indexes) are one line more.

Listeners: with no --tcp/--ws/--http option all three start on their default ports
(TCP 7470, WebSocket 7471, HTTP 7472, on 127.0.0.1). Naming any of them starts only those named.
Port 0 picks a free port; each listener prints `graftc: listening URL` on stdout at start-up.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from graftcode_runtime import ugm
from graftcode_runtime.gateway import (
    DEFAULT_HTTP_PORT,
    DEFAULT_TCP_PORT,
    DEFAULT_WS_PORT,
    GatewayConfig,
    HostedModule,
    HttpRequest,
    HttpResponse,
    HttpRoute,
    LoadError,
    load_modules,
    parse_listen_address,
    run_gateway,
)
from graftcode_runtime.protocol._limits import MIN_MAX_MESSAGE_SIZE


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="host Python modules behind the gateway (TCP, WebSocket, HTTP)",
        description="Host Python modules and execute calls that arrive over TCP, WebSocket or "
        "HTTP status pages. Without --tcp/--ws/--http all three listen on 127.0.0.1 "
        f"(TCP {DEFAULT_TCP_PORT}, WebSocket {DEFAULT_WS_PORT}, HTTP {DEFAULT_HTTP_PORT}).",
    )
    p.add_argument("modules", nargs="+", metavar="MODULE", help="module name or path to a .py file")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen for TCP clients here")
    p.add_argument("--ws", metavar="HOST:PORT", help="listen for WebSocket clients here")
    p.add_argument("--http", metavar="HOST:PORT", help="serve /status, /ugm and /idl here")
    p.add_argument(
        "--max-message-size",
        type=int,
        metavar="N",
        help="largest message accepted, in bytes (default 4 MiB)",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        help="send remote tracebacks to callers and log at debug level (never in production)",
    )
    p.add_argument(
        "--allow-origin",
        action="extend",
        nargs="+",
        default=[],
        metavar="ORIGIN",
        help="browser origins allowed to open WebSocket connections (repeatable; '*' allows any)",
    )
    p.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory to import modules from (repeatable; the current directory is always used)",
    )
    p.add_argument(
        "--auth-token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="require this token in every client's handshake (repeatable; also "
        "$GRAFTC_AUTH_TOKEN); without one, any client may connect",
    )
    p.add_argument("--tls-cert", metavar="FILE", help="PEM certificate: serve tls:// and wss://")
    p.add_argument("--tls-key", metavar="FILE", help="PEM private key for --tls-cert")
    p.add_argument(
        "--grace",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="on SIGTERM/SIGINT, how long calls in flight may take to finish (default 10)",
    )
    p.add_argument(
        "--max-workers",
        type=int,
        default=64,
        metavar="N",
        help="worker threads for synchronous hosted functions (default 64)",
    )
    p.set_defaults(func=run)


def http_routes(hosted: Sequence[HostedModule], endpoints: Sequence[str]) -> list[HttpRoute]:
    """The compiler-side HTTP routes. Extend this list to add pages. `endpoints` fills with the
    listener URLs as they come up (ports chosen with 0 are known only then)."""
    from graftc.devserver import make_routes  # Vision (/, /vision) and /pypi, /npm indexes

    return [
        HttpRoute("/idl", _idl_handler(hosted)),
        *make_routes([h.module for h in hosted], endpoints=endpoints),
    ]


def _idl_handler(hosted: Sequence[HostedModule]) -> Callable[[HttpRequest], HttpResponse]:
    def handler(request: HttpRequest) -> HttpResponse:
        from graftc.idl import print_module  # imported late: only when someone asks for /idl

        module = _pick(hosted, request)
        if module is None:
            names = ", ".join(h.name for h in hosted)
            return HttpResponse.text(f"no such module; hosted: {names}\n", status=404)
        return HttpResponse.text(print_module(module), content_type="text/plain")

    return handler


def _pick(hosted: Sequence[HostedModule], request: HttpRequest) -> ugm.Module | None:
    """`/idl` gives the only (or first) module; `/idl/NAME` or `/idl?module=NAME` picks one."""
    rest = request.path.split("/", 2)[2] if request.path.count("/") >= 2 else ""
    name = rest or request.query.get("module", "")
    for h in hosted:
        if not name or h.name == name:
            return h.module
    return None


def run(args: argparse.Namespace) -> int:
    try:
        tcp = parse_listen_address(args.tcp, DEFAULT_TCP_PORT) if args.tcp else None
        ws = parse_listen_address(args.ws, DEFAULT_WS_PORT) if args.ws else None
        http = parse_listen_address(args.http, DEFAULT_HTTP_PORT) if args.http else None
    except ValueError as e:
        print(f"graftc serve: error: {e}", file=sys.stderr)
        return 2
    if tcp is None and ws is None and http is None:
        tcp = ("127.0.0.1", DEFAULT_TCP_PORT)
        ws = ("127.0.0.1", DEFAULT_WS_PORT)
        http = ("127.0.0.1", DEFAULT_HTTP_PORT)
    if bool(args.tls_cert) != bool(args.tls_key):
        print("graftc serve: error: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if not args.grace >= 0:  # also refuses nan
        print("graftc serve: error: --grace must be 0 seconds or more", file=sys.stderr)
        return 2
    if args.max_workers < 1:
        print("graftc serve: error: --max-workers must be at least 1", file=sys.stderr)
        return 2
    for flag, addr in (("--tcp", tcp), ("--ws", ws), ("--http", http)):
        problem = _unresolvable(addr)
        if problem and addr is not None:
            print(f"graftc serve: error: {flag} {addr[0]}: {problem}", file=sys.stderr)
            return 2
    if args.tls_cert:
        problem = _tls_problem(args.tls_cert, args.tls_key)
        if problem:
            print(f"graftc serve: error: {problem}", file=sys.stderr)
            return 1
    if args.max_message_size is not None and args.max_message_size < MIN_MAX_MESSAGE_SIZE:
        print(
            f"graftc serve: error: --max-message-size must be at least {MIN_MAX_MESSAGE_SIZE}"
            " (the handshake itself must fit)",
            file=sys.stderr,
        )
        return 2
    try:
        hosted = load_modules(args.modules, [Path(p) for p in args.path])
    except LoadError as e:
        print(f"graftc serve: error: {e}", file=sys.stderr)
        return 1
    for h in hosted:
        for warning in h.warnings:
            print(f"graftc serve: warning: {warning}", file=sys.stderr)

    endpoints: list[str] = []

    def announce(url: str) -> None:
        endpoints.append(url)
        print(f"graftc: listening {url}", flush=True)

    config = GatewayConfig(
        debug=args.debug,
        allow_origins=tuple(args.allow_origin),
        auth_tokens=tuple(args.auth_token)
        + ((os.environ["GRAFTC_AUTH_TOKEN"],) if os.environ.get("GRAFTC_AUTH_TOKEN") else ()),
        grace_period=args.grace,
        max_workers=args.max_workers,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        **({"max_message_size": args.max_message_size} if args.max_message_size else {}),
    )
    try:
        run_gateway(
            hosted,
            config,
            tcp=tcp,
            ws=ws,
            http=http,
            routes=http_routes(hosted, endpoints),
            on_listen=announce,
        )
    except OSError as e:
        listeners = {"--tcp": tcp, "--ws": ws, "--http": http}
        taken = [
            f"{flag} {host}:{port}"
            for flag, addr in listeners.items()
            if addr is not None
            for host, port in [addr]
            if e.errno == errno.EADDRINUSE and _in_use(host, port)
        ]
        where = f" ({', '.join(taken)}: is another gateway running?)" if taken else ""
        print(f"graftc serve: error: {e.strerror or e}{where}", file=sys.stderr)
        return 1
    return 0


def _in_use(host: str, port: int) -> bool:
    """Whether (host, port) is taken: only to name the culprit in an error message."""
    if port == 0:
        return False
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _unresolvable(addr: tuple[str, int] | None) -> str:
    """Why the listen host cannot be used (a typo such as `--tcp nope:7470`), or ""."""
    if addr is None:
        return ""
    try:
        socket.getaddrinfo(
            addr[0] or None, addr[1], type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as e:
        return f"cannot resolve this host ({e.strerror})"
    return ""


def _tls_problem(cert: str, key: str) -> str:
    """Load the certificate and key once before listening, so a wrong path or PEM names the file
    instead of surfacing as a bare OS error from the listener."""
    import ssl

    for flag, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not os.path.isfile(path):
            return f"{flag} {path}: no such file"
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as e:
        return f"--tls-cert {cert} / --tls-key {key}: not a usable PEM certificate and key ({e})"
    return ""
