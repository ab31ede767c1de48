"""`make demo DEMO_ARGS=--serve`: leave a gateway running on the examples with Vision, and print
the page's URL and the install commands a new user copies. `DEMO_ARGS="--serve --port-base N"`
runs it on ports N, N+1, N+2, beside a gateway that already has the default ones."""

from __future__ import annotations

import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from graftcode_runtime.gateway import DEFAULT_HTTP_PORT, DEFAULT_TCP_PORT, DEFAULT_WS_PORT


def _announce(http: str, stop: threading.Event) -> None:
    """Wait for the HTTP listener, then print where Vision is and each target's install
    commands (`GET /<prefix>` lists them, one per module)."""
    from graftc import targets

    prefixes = [t.index.prefix for t in targets.available()]
    while not stop.is_set():
        try:
            commands = []
            for prefix in prefixes:
                with urllib.request.urlopen(f"{http}/{prefix}", timeout=60) as r:
                    commands += r.read().decode().strip().splitlines()
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
            continue
        print(f"\n  Vision:  {http}/\n")
        print("  Install a client (then just import it: it calls this gateway):")
        for line in commands:
            print(f"    {line}")
        print("\n  Ctrl-C stops the gateway.\n", flush=True)
        return


def _ports_in_use(host: str, ports: Sequence[int]) -> list[int]:
    busy = []
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the gateway binds
            try:
                s.bind((host, port))
            except OSError:
                busy.append(port)
    return busy


def port_base(argv: Sequence[str]) -> tuple[int, int, int] | None:
    """The ports `--port-base N` (or `--port-base=N`) asks for: N, N+1, N+2; None without it.
    Raises ValueError for a value that is not a port number leaving room for three."""
    for i, arg in enumerate(argv):
        text = None
        if arg == "--port-base":
            text = argv[i + 1] if i + 1 < len(argv) else ""
        elif arg.startswith("--port-base="):
            text = arg.split("=", 1)[1]
        if text is not None:
            if not text.isdigit() or not 1 <= int(text) <= 65533:
                raise ValueError(f"--port-base {text!r}: a port number from 1 to 65533")
            base = int(text)
            return base, base + 1, base + 2
    return None


def serve_examples(
    examples: Path,
    host: str = "127.0.0.1",
    ports: tuple[int, int, int] = (DEFAULT_TCP_PORT, DEFAULT_WS_PORT, DEFAULT_HTTP_PORT),
) -> int:
    from graftc.cli import main as graftc_main

    # Checked first: with a port taken (often by an earlier `graftc serve`), the announcement
    # below would print the other gateway's Vision URL and packages as if they were ours.
    busy = _ports_in_use(host, ports)
    if busy:
        other = ports[0] + 10
        print(
            f"graftc demo: port {', '.join(map(str, busy))} on {host} is in use (another "
            "`graftc serve`?); stop it, or run this one beside it on other ports: "
            f'`make demo DEMO_ARGS="--serve --port-base {other}"` (TCP {other}, WebSocket '
            f"{other + 1}, HTTP {other + 2})",
            file=sys.stderr,
        )
        return 1
    tcp_port, ws_port, http_port = ports
    http = f"http://{host}:{http_port}"
    stop = threading.Event()
    threading.Thread(target=_announce, args=(http, stop), daemon=True).start()
    try:
        return graftc_main(
            [
                "serve",
                str(examples / "calculator.py"),
                str(examples / "shop.py"),
                "--tcp",
                f"{host}:{tcp_port}",
                "--ws",
                f"{host}:{ws_port}",
                "--http",
                f"{host}:{http_port}",
            ]
        )
    finally:
        stop.set()
