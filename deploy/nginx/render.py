"""Fill deploy/nginx/graftcode.conf.in: `python deploy/nginx/render.py --tcp-listen 7470
--ws-listen 7471 --gateway gw1:7470:7471 --gateway gw2:7470:7471 > nginx.conf`.

Standard library only, so it runs wherever nginx is configured. tests/deploy renders the same
template with ports chosen at test time; deploy/compose/nginx.conf is rendered by `compose()`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).with_name("graftcode.conf.in")
COMPOSE_CONF = Path(__file__).parent.parent / "compose" / "nginx.conf"
# Passive health checks (all open-source nginx has): one failed connect takes a gateway out of
# the rotation for `fail_timeout`, then nginx tries it again with real traffic.
SERVER = "        server {addr} max_fails=1 fail_timeout={fail_timeout};"


@dataclass(frozen=True)
class Gateway:
    host: str
    tcp_port: int
    ws_port: int


def render(
    gateways: Sequence[Gateway],
    *,
    tcp_listen: str,
    ws_listen: str,
    workers: str = "auto",
    modules: str = "/usr/lib/nginx/modules",
    temp: str = "temp",
    access_log: str = "off",
    fail_timeout: str = "2s",
) -> str:
    """The nginx configuration text; refuses to leave a slot unfilled."""
    if not gateways:
        raise ValueError("at least one gateway")

    def servers(port: str) -> str:
        lines = []
        for g in gateways:
            addr = f"{g.host}:{getattr(g, port)}"
            lines.append(SERVER.format(addr=addr, fail_timeout=fail_timeout))
        return "\n".join(lines)

    slots = {
        "modules": modules,
        "workers": workers,
        "tcp_listen": tcp_listen,
        "ws_listen": ws_listen,
        "tcp_servers": servers("tcp_port"),
        "ws_servers": servers("ws_port"),
        "temp": temp,
        "access_log": access_log,
    }
    text = re.sub(r"\{\{(\w+)\}\}", lambda m: slots[m.group(1)], TEMPLATE.read_text())
    return text


def compose() -> str:
    """What docker-compose.yml's nginx runs: three gateways gw1..gw3 on their default ports."""
    gateways = [Gateway(f"gw{i}", 7470, 7471) for i in (1, 2, 3)]
    return render(
        gateways, tcp_listen="7470", ws_listen="7471", temp="/tmp/nginx", access_log="off"
    )


def _gateway(text: str) -> Gateway:
    host, tcp, ws = text.rsplit(":", 2)
    return Gateway(host, int(tcp), int(ws))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tcp-listen", default="7470")
    parser.add_argument("--ws-listen", default="7471")
    parser.add_argument("--gateway", action="append", type=_gateway, default=[],
                        metavar="HOST:TCP_PORT:WS_PORT")  # fmt: skip
    parser.add_argument("--compose", action="store_true", help="write deploy/compose/nginx.conf")
    args = parser.parse_args(argv)
    if args.compose:
        COMPOSE_CONF.parent.mkdir(exist_ok=True)
        COMPOSE_CONF.write_text(compose())
        return 0
    if not args.gateway:
        parser.error("name at least one --gateway")
    sys.stdout.write(render(args.gateway, tcp_listen=args.tcp_listen, ws_listen=args.ws_listen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
