"""`graftc dev SOURCE...`: Vision and the package indexes as a development process of their own,
beside a gateway that runs in production mode and carries no generators.

    graftc serve shop --mode production --expose-ugm --auth-token "$T"      # the gateway
    GRAFT_TOKEN="$T" graftc dev http://gateway:7472/                         # a developer

SOURCE is a gateway's HTTP listener (its `/status` names the modules and their listeners, its
`/ugm/NAME` gives each module) or `.graft` files (a committed contract). The packages served
default their call URL to the gateway's listeners (from `/status`), or to `--endpoint URL`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial
from typing import Any

from graftcode_runtime import ugm
from graftcode_runtime.gateway import HttpRequest, HttpResponse, HttpRoute, parse_listen_address
from graftcode_runtime.protocol._errors import GraftError

from graftc.commands.call import UsageError, add_token_options, get_json, surface, token_from

DEFAULT_DEV_PORT = 7473


def register(sub: Any) -> None:
    p = sub.add_parser(
        "dev",
        help="serve Vision and client packages for a gateway (or .graft files), apart from it",
        description=(
            "Serve Vision, /ugm, /idl and the client package indexes for the modules of a "
            "running gateway (SOURCE: its HTTP listener, http://HOST:PORT/) or of .graft files, "
            "in this process, so a production gateway carries none of it. Packages default "
            "their call URL to the gateway's listeners, or to --endpoint."
        ),
    )
    p.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="http://gateway:port/ or FILE.graft"
    )
    p.add_argument(
        "--http",
        metavar="HOST:PORT",
        default=f"127.0.0.1:{DEFAULT_DEV_PORT}",
        help=f"where to serve (default 127.0.0.1:{DEFAULT_DEV_PORT}; port 0 picks a free one)",
    )
    p.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="URL",
        help="a call URL (tcp://, ws://...) the packages default to (repeatable; default: the "
        "gateway's listeners)",
    )
    add_token_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        host, port = parse_listen_address(args.http, DEFAULT_DEV_PORT)
        token = token_from(args)
        modules: list[ugm.Module] = []
        endpoints: list[str] = list(args.endpoint)
        for source in args.sources:
            modules += surface(source, token)
            if not args.endpoint and source.startswith(("http://", "https://")):
                status = get_json(source.rstrip("/") + "/status", token)
                endpoints += [u for u in status.get("listeners", []) if not u.startswith("http")]
    except (UsageError, ValueError) as e:
        print(f"graftc dev: error: {e}", file=sys.stderr)
        return 2
    except GraftError as e:
        print(f"graftc dev: error: {e.code.name}: {e.message}", file=sys.stderr)
        return 1
    names = sorted({m.name for m in modules})
    if len(names) != len(modules):
        print("graftc dev: error: a module is named by two sources", file=sys.stderr)
        return 2
    calls = ", ".join(endpoints) or "tcp://127.0.0.1:7470 (the packages' default)"
    print(f"graftc: mode development: {', '.join(names)}; calls go to {calls}", file=sys.stderr)
    import trio

    try:
        trio.run(partial(_serve, dev_routes(modules, endpoints), host, port))
    except KeyboardInterrupt:
        return 0
    except OSError as e:
        print(f"graftc dev: error: --http {args.http}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0


def dev_routes(modules: Sequence[ugm.Module], endpoints: Sequence[str]) -> list[HttpRoute]:
    """What a development gateway serves beyond the production set, for these modules."""
    from graftc.commands.serve import idl_handler
    from graftc.devserver import make_routes

    return [
        HttpRoute("/ugm", _ugm_handler(modules)),
        HttpRoute("/idl", idl_handler(modules)),
        HttpRoute("/status", _status_handler(modules, endpoints)),
        *make_routes(modules, endpoints=endpoints),
    ]


def _ugm_handler(modules: Sequence[ugm.Module]) -> Any:
    by_name = {m.name: m for m in modules}

    def handler(request: HttpRequest) -> HttpResponse:
        name = request.path.removeprefix("/ugm").strip("/") or request.query.get("module", "")
        module = by_name.get(name) if name else modules[0]
        if module is None:
            return HttpResponse.text(f"no module {name!r}\n", status=404)
        return HttpResponse(200, {"content-type": "application/json"}, ugm.dumps(module).encode())

    return handler


def _status_handler(modules: Sequence[ugm.Module], endpoints: Sequence[str]) -> Any:
    def handler(request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(
            {
                "status": "development",
                "modules": [{"name": m.name, "version": m.version} for m in modules],
                "listeners": list(endpoints),
            }
        )

    return handler


async def _serve(routes: list[HttpRoute], host: str, port: int) -> None:
    import trio
    from graftcode_runtime.gateway._http import serve_http

    listeners = await trio.open_tcp_listeners(port, host=host)
    for listener in listeners:
        h, p = listener.socket.getsockname()[:2]
        shown = f"[{h}]" if ":" in h else h
        print(f"graftc: listening http://{shown}:{p}/", flush=True)

    async def handle(stream: trio.SocketStream) -> None:
        peer = "http://{}:{}".format(*stream.socket.getpeername()[:2])
        await serve_http(stream, routes, peer)

    await trio.serve_listeners(handle, listeners)
