"""`graftc serve MODULE...`: host Python modules behind the Hypertube gateway.

The gateway itself lives in the runtime (`graftcode_runtime.gateway`) and never imports the
compiler. This command adds the HTTP routes that need the compiler: they are listed in
`http_routes()`, one `HttpRoute` each, so new pages (Vision, package indexes) are one line more.

Listeners: with no --tcp/--ws/--http option all three start on their default ports
(TCP 7470, WebSocket 7471, HTTP 7472, on 127.0.0.1). Naming any of them starts only those named.
`--port-base N` moves the default ports to N, N+1, N+2 (0: free ports), so several gateways run
side by side. Port 0 picks a free port; each listener prints `graftc: listening URL` on stdout at
start-up, and `--ports-file PATH` writes them all as JSON once every listener is up.
"""

from __future__ import annotations

import argparse
import errno
import functools
import json
import os
import socket
import sys
import tempfile
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
from graftcode_runtime.gateway._prefork import WorkerStartError, run_workers
from graftcode_runtime.protocol._limits import MIN_MAX_MESSAGE_SIZE

from . import _serve_auth, _serve_mcp


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="host Python modules behind the gateway (TCP, WebSocket, HTTP)",
        description="Host Python modules and execute calls that arrive over TCP, WebSocket or "
        "HTTP status pages. Without --tcp/--ws/--http all three listen on 127.0.0.1 "
        f"(TCP {DEFAULT_TCP_PORT}, WebSocket {DEFAULT_WS_PORT}, HTTP {DEFAULT_HTTP_PORT}); "
        "run a second gateway beside the first with --port-base N or --port-base 0.",
    )
    p.add_argument("modules", nargs="+", metavar="MODULE", help="module name or path to a .py file")
    _subset_arguments(p)
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen for TCP clients here")
    p.add_argument("--ws", metavar="HOST:PORT", help="listen for WebSocket clients here")
    p.add_argument(
        "--http", metavar="HOST:PORT", help="serve /status, /metrics, /ugm and /idl here"
    )
    p.add_argument(
        "--port-base",
        type=int,
        metavar="N",
        help=f"default ports N (TCP), N+1 (WebSocket), N+2 (HTTP) instead of {DEFAULT_TCP_PORT}-"
        f"{DEFAULT_HTTP_PORT}, to run several gateways side by side; 0 picks free ports",
    )
    p.add_argument(
        "--ports-file",
        metavar="PATH",
        help='once every listener is up, write their URLs to PATH as JSON ({"tcp": URL, "ws": '
        'URL, "http": URL, "pid": N}); removed on exit',
    )
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
        "--mode",
        choices=MODES,
        default="development",
        help="development (the default): also Vision, package indexes, /ugm and /idl; "
        "production: the call listeners, /status and /metrics only (see `graftc dev`)",
    )
    p.add_argument(
        "--expose-ugm",
        action="store_true",
        help="production mode: also serve /ugm and /idl (requires --auth-token)",
    )
    p.add_argument(
        "--max-workers",
        type=int,
        default=64,
        metavar="N",
        help="worker threads for synchronous hosted functions (default 64)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="gateway processes sharing the TCP and WebSocket ports, to use every core (Linux; "
        "default 1); HTTP pages are served by the first worker",
    )
    _serve_auth.add_arguments(p)
    _serve_mcp.add_arguments(p)
    p.set_defaults(func=run)


MODES = ("development", "production")
_MODE_LINE = {
    "development": "development (Vision, package indexes, /ugm, /idl; --mode production serves "
    "calls, /status and /metrics only)",
    "production": "production (calls, /status and /metrics only)",
}


def production_routes(hosted: Sequence[HostedModule], expose_ugm: bool) -> list[HttpRoute]:
    """A production gateway's compiler-side routes: /idl when asked for, nothing else (the
    gateway itself serves /status, /metrics and, with `expose_ugm`, /ugm)."""
    return [HttpRoute("/idl", idl_handler([h.module for h in hosted]))] if expose_ugm else []


def _subset_arguments(p: argparse.ArgumentParser) -> None:
    """What of each module is served: all of it (unsupported members refuse the start), all
    that can be (--skip-unsupported), a glob-selected part, or what a committed IDL declares."""
    from graftc.commands.export import add_selection_arguments

    add_selection_arguments(p, "serve")
    p.add_argument(
        "--idl",
        action="append",
        default=[],
        metavar="FILE.graft",
        help="serve exactly what this IDL declares (repeatable, one per module): a declared "
        "member the module lacks, or whose signature differs, stops the start",
    )


def _load(args: argparse.Namespace) -> list[HostedModule] | None:
    """The hosted modules, narrowed as the subset options say; None after printing why not."""
    try:
        hosted = load_modules(
            args.modules,
            [Path(p) for p in args.path],
            skip_unsupported=args.skip_unsupported or bool(args.idl),
            types=args.types,
            methods=args.methods,
        )
    except LoadError as e:
        print(f"graftc serve: error: {e}", file=sys.stderr)
        return None
    if args.idl:
        from graftc.diagnostics import DiagnosticError, render_all
        from graftc.serve_idl import SubsetError, apply_idl_files

        try:
            return apply_idl_files(hosted, args.idl)
        except DiagnosticError as e:
            print(render_all(e.diagnostics), file=sys.stderr)
        except SubsetError as e:
            for message in e.messages:
                print(f"graftc serve: error: {message}", file=sys.stderr)
        return None
    if args.skip_unsupported or args.types or args.methods:
        from graftc.commands.export import diagnostic
        from graftc.diagnostics import render_all

        for h in hosted:
            if h.problems:
                print(render_all(diagnostic(w, "warning") for w in h.problems), file=sys.stderr)
    else:
        for h in hosted:
            for warning in h.warnings:
                print(f"graftc serve: warning: {warning}", file=sys.stderr)
    return hosted


def http_routes(hosted: Sequence[HostedModule], endpoints: Sequence[str]) -> list[HttpRoute]:
    """The compiler-side HTTP routes. Extend this list to add pages. `endpoints` fills with the
    listener URLs as they come up (ports chosen with 0 are known only then)."""
    from graftc.devserver import make_routes  # Vision (/, /vision) and /pypi, /npm indexes

    return [
        HttpRoute("/idl", idl_handler([h.module for h in hosted])),
        *make_routes([h.module for h in hosted], endpoints=endpoints),
    ]


def idl_handler(modules: Sequence[ugm.Module]) -> Callable[[HttpRequest], HttpResponse]:
    def handler(request: HttpRequest) -> HttpResponse:
        from graftc.idl import print_module  # imported late: only when someone asks for /idl

        module = _pick(modules, request)
        if module is None:
            names = ", ".join(m.name for m in modules)
            return HttpResponse.text(f"no such module; hosted: {names}\n", status=404)
        return HttpResponse.text(print_module(module), content_type="text/plain")

    return handler


def _pick(modules: Sequence[ugm.Module], request: HttpRequest) -> ugm.Module | None:
    """`/idl` gives the only (or first) module; `/idl/NAME` or `/idl?module=NAME` picks one."""
    rest = request.path.split("/", 2)[2] if request.path.count("/") >= 2 else ""
    name = rest or request.query.get("module", "")
    for m in modules:
        if not name or m.name == name:
            return m
    return None


Address = tuple[str, int]


def listen_addresses(
    tcp: str | None, ws: str | None, http: str | None, port_base: int | None
) -> tuple[Address | None, Address | None, Address | None]:
    """The listeners to start. `port_base` N replaces the default ports with N, N+1, N+2 (all
    0 when N is 0), for the three listeners started when none is named and for a named one
    given without a port (`--tcp 0.0.0.0`). Raises ValueError naming what is wrong."""
    if port_base is not None and not (port_base == 0 or 1 <= port_base <= 65535 - 2):
        raise ValueError(
            f"--port-base {port_base}: must be 0 (free ports) or 1 to 65533 (it uses N, N+1, N+2)"
        )
    if port_base is None:
        defaults = (DEFAULT_TCP_PORT, DEFAULT_WS_PORT, DEFAULT_HTTP_PORT)
    else:
        defaults = (port_base, port_base + 1 if port_base else 0, port_base + 2 if port_base else 0)
    named = [
        parse_listen_address(text, port) if text else None
        for text, port in zip((tcp, ws, http), defaults, strict=True)
    ]
    if named == [None, None, None]:
        named = [("127.0.0.1", port) for port in defaults]
    return named[0], named[1], named[2]


def run(args: argparse.Namespace) -> int:
    try:
        tcp, ws, http = listen_addresses(args.tcp, args.ws, args.http, args.port_base)
    except ValueError as e:
        print(f"graftc serve: error: {e}", file=sys.stderr)
        return 2
    ports_file: _PortsFile | None = None
    if args.ports_file:
        problem = _ports_file_problem(args.ports_file)
        if problem:
            print(
                f"graftc serve: error: --ports-file {args.ports_file}: {problem}", file=sys.stderr
            )
            return 2
        kinds = [k for k, a in (("tcp", tcp), ("ws", ws), ("http", http)) if a is not None]
        kinds += ["vision"] if args.vision_http else []
        ports_file = _PortsFile(Path(args.ports_file), kinds)
    if bool(args.tls_cert) != bool(args.tls_key):
        print("graftc serve: error: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if not args.grace >= 0:  # also refuses nan
        print("graftc serve: error: --grace must be 0 seconds or more", file=sys.stderr)
        return 2
    production = args.mode == "production"
    if production and args.debug:
        print("graftc serve: error: --debug sends tracebacks to callers: not in production",
              file=sys.stderr)  # fmt: skip
        return 2
    if (
        args.expose_ugm
        and production
        and not (
            args.auth_token
            or os.environ.get("GRAFTC_AUTH_TOKEN")
            or args.auth_tokens
            or args.auth_hook
        )
    ):
        print("graftc serve: error: --expose-ugm needs auth in production (--auth-token, --auth-tokens or --auth-hook)",
              file=sys.stderr)  # fmt: skip
        return 2
    for flag, value in (("--max-workers", args.max_workers), ("--workers", args.workers)):
        if value < 1:
            print(f"graftc serve: error: {flag} must be at least 1", file=sys.stderr)
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
    loaded = _load(args)
    if loaded is None:
        return 1
    hosted = loaded
    endpoints: list[str] = []
    try:
        extra = _serve_auth.gateway_options(args)
        if production and args.vision_http:
            raise ValueError("--vision-http serves Vision: not in production (see graftc dev)")
        routes = (
            production_routes(hosted, args.expose_ugm)
            if production
            else http_routes(hosted, endpoints)
        )
        vision, open_routes = _serve_auth.vision_listener(args, routes)
    except ValueError as e:
        print(f"graftc serve: error: {e}", file=sys.stderr)
        return 2

    def announce(url: str) -> None:
        endpoints.append(url)
        print(f"graftc: listening {url}", flush=True)
        if ports_file is not None:
            ports_file.add(url)  # written once the last listener is up

    config = GatewayConfig(
        debug=args.debug,
        allow_origins=tuple(args.allow_origin),
        auth_tokens=tuple(args.auth_token)
        + ((os.environ["GRAFTC_AUTH_TOKEN"],) if os.environ.get("GRAFTC_AUTH_TOKEN") else ()),
        grace_period=args.grace,
        max_workers=args.max_workers,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        expose_ugm=not production or args.expose_ugm,
        **({"max_message_size": args.max_message_size} if args.max_message_size else {}),
        **extra,
        **_serve_mcp.gateway_options(args, production),
    )
    try:
        if ports_file is not None:
            ports_file.discard_leftover()  # a script waiting for the file must not read an old one
        print(f"graftc: mode {_MODE_LINE[args.mode]}", file=sys.stderr, flush=True)
        serve = run_gateway if args.workers == 1 else _workers(args.workers)
        serve(
            hosted,
            config,
            tcp=tcp,
            ws=ws,
            http=http,
            vision=vision,
            routes=routes,
            open_routes=open_routes,
            on_listen=announce,
        )
    except _PortsFileError as e:
        print(f"graftc serve: error: --ports-file {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    except WorkerStartError as e:
        print(f"graftc serve: error: {e}", file=sys.stderr)
        return 1
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
        if e.errno == errno.EADDRINUSE:
            print(f"graftc serve: hint: {_side_by_side_hint(args.port_base)}", file=sys.stderr)
        return 1
    finally:
        if ports_file is not None:
            ports_file.remove()
    return 0


def _workers(count: int) -> Callable[..., None]:
    """`run_gateway`'s stand-in that serves with `count` processes (`--workers`)."""
    return functools.partial(run_workers, count)


def _side_by_side_hint(port_base: int | None) -> str:
    base = (port_base or DEFAULT_TCP_PORT) + 10
    return (
        f"to run a second gateway beside it, give it other ports: --port-base {base} (TCP {base}, "
        f"WebSocket {base + 1}, HTTP {base + 2}), or free ones with --port-base 0 (or HOST:0); "
        "the ports are printed as `graftc: listening` lines, and --ports-file PATH writes them "
        "as JSON"
    )


class _PortsFileError(OSError):
    """Writing --ports-file failed (told apart from a listener that cannot bind)."""


class _PortsFile:
    """`--ports-file`: the listener URLs as JSON, written atomically (a temporary file in the
    same directory, then renamed) once every listener is up, and removed on exit."""

    def __init__(self, path: Path, kinds: Sequence[str]) -> None:
        self.path = path
        self.kinds = tuple(kinds)
        self.urls: dict[str, str] = {}
        self.written: str | None = None

    def discard_leftover(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise _PortsFileError(e.errno, e.strerror, str(self.path)) from None

    def add(self, url: str) -> None:
        scheme = url.split(":", 1)[0]
        kind = {"tls": "tcp", "wss": "ws", "https": "http"}.get(scheme, scheme)
        kind = "vision" if url.endswith("/vision") else kind
        self.urls[kind] = url
        if all(k in self.urls for k in self.kinds) and self.written is None:
            text = json.dumps({**{k: self.urls[k] for k in self.kinds}, "pid": os.getpid()})
            self._write(text + "\n")

    def _write(self, text: str) -> None:
        directory = self.path.parent
        try:
            fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.chmod(temp, 0o644)  # ports are not secret; mkstemp makes it owner-only
                os.replace(temp, self.path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise _PortsFileError(e.errno, e.strerror, str(self.path)) from None
        self.written = text

    def remove(self) -> None:
        """Remove the file if it is still the one this gateway wrote."""
        if self.written is None:
            return
        try:
            if self.path.read_text(encoding="utf-8") == self.written:
                self.path.unlink()
        except OSError:
            pass


def _ports_file_problem(path: str) -> str:
    target = Path(path)
    if target.is_dir():
        return "is a directory"
    parent = target.parent
    if not parent.is_dir():
        return f"the directory {str(parent)!r} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"the directory {str(parent)!r} is not writable"
    return ""


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
