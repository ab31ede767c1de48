"""`make demo DEMO_ARGS=--serve`: leave a gateway running on the examples with Vision, and print
the page's URL and the install commands a new user copies."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from graftcode_runtime.gateway import DEFAULT_HTTP_PORT, DEFAULT_TCP_PORT, DEFAULT_WS_PORT


def _announce(http: str, stop: threading.Event) -> None:
    """Wait for the HTTP listener, then print where Vision is and the install commands."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(f"{http}/pypi", timeout=60) as r:
                pip = r.read().decode().strip()
            with urllib.request.urlopen(f"{http}/npm", timeout=60) as r:
                npm = r.read().decode().strip()
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
            continue
        print(f"\n  Vision:  {http}/\n")
        print("  Install a client (then just import it: it calls this gateway):")
        for line in (pip + "\n" + npm).splitlines():
            print(f"    {line}")
        print("\n  Ctrl-C stops the gateway.\n", flush=True)
        return


def serve_examples(examples: Path, host: str = "127.0.0.1") -> int:
    from graftc.cli import main as graftc_main

    http = f"http://{host}:{DEFAULT_HTTP_PORT}"
    stop = threading.Event()
    threading.Thread(target=_announce, args=(http, stop), daemon=True).start()
    try:
        return graftc_main(
            [
                "serve",
                str(examples / "calculator.py"),
                str(examples / "shop.py"),
                "--tcp",
                f"{host}:{DEFAULT_TCP_PORT}",
                "--ws",
                f"{host}:{DEFAULT_WS_PORT}",
                "--http",
                f"{host}:{DEFAULT_HTTP_PORT}",
            ]
        )
    finally:
        stop.set()
