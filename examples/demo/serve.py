"""`make demo DEMO_ARGS=--serve`: leave a gateway running on the examples with Vision, and print
the page's URL and the install commands a new user copies."""

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
        print(
            f"graftc demo: port {', '.join(map(str, busy))} on {host} is in use (another "
            "`graftc serve`?); stop it, then run `make demo DEMO_ARGS=--serve` again",
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
