"""`graftc serve --mode production`: the call listeners, /status and /metrics, nothing else.
Every development route (enumerated from `graftc serve`'s own route list and the devserver's,
not written out here) answers 404, calls still run, /ugm and /idl come back only with
--expose-ugm and a token, and the served process never imports the parser, the checker, the
generators or their libraries (a probe inside the process lists `sys.modules` after the
requests)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from graftc.commands.serve import http_routes
from graftcode_runtime import connect
from graftcode_runtime.gateway import load_modules

HERE = Path(__file__).resolve().parent
FIXTURE = str(HERE / "gwfixture.py")
TOKEN = "prod-" + "Wv3" * 5
pytestmark = pytest.mark.slow  # gateway processes
COMPILER_ONLY = ("graftc.targets", "graftc.devserver", "graftc.idl", "graftc.check")
LIBRARIES = ("jinja2", "black", "lark")

# Runs `graftc serve` in its main thread; a second thread waits for the ports file, then for a
# line on stdin (the test's requests are done), prints the compiler-side modules imported so
# far, and stops the gateway with SIGTERM.
PROBE = f"""
import json, os, signal, sys, threading, time
from graftc.cli import main
ports = sys.argv[sys.argv.index("--ports-file") + 1]
def watch():
    while not os.path.exists(ports):
        time.sleep(0.01)
    sys.stdin.readline()
    names = sorted(m for m in sys.modules
                   if m.startswith({COMPILER_ONLY!r}) or m.split(".")[0] in {LIBRARIES!r})
    print("IMPORTED " + json.dumps(names), flush=True)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=watch, daemon=True).start()
sys.exit(main(sys.argv[1:]))
"""


class Served:
    def __init__(self, proc: subprocess.Popen[str], urls: dict[str, str], err: str) -> None:
        self.proc, self.urls, self.err = proc, urls, err

    def get(self, path: str, token: str | None = None) -> int:
        host, port = self.urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", path, headers={"authorization": f"Bearer {token}"} if token else {})
        status = conn.getresponse().status
        conn.close()
        return status

    def imported(self) -> list[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("done\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith("IMPORTED "):
                names: list[str] = json.loads(line.removeprefix("IMPORTED "))
                return names
        raise AssertionError("the probe printed nothing")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    procs: list[subprocess.Popen[str]] = []

    def start(*options: str) -> Served:
        ports = tmp_path / f"ports{len(procs)}.json"
        argv = ["serve", FIXTURE, "--port-base", "0", "--ports-file", str(ports), *options]
        proc = subprocess.Popen(
            [sys.executable, "-c", PROBE, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "GRAFTC_AUTH_TOKEN": ""},
        )
        procs.append(proc)
        assert proc.stderr is not None
        err = proc.stderr.readline()  # the mode line comes before the listeners
        while not ports.exists():
            assert proc.poll() is None, err + proc.stderr.read()
            time.sleep(0.02)
        threading.Thread(target=proc.stderr.read, daemon=True).start()  # a full pipe would block
        urls = json.loads(ports.read_text())
        return Served(proc, urls, err)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(15)


def development_routes() -> list[str]:
    """Every path a development gateway serves beyond the production set."""
    prefixes = [r.prefix for r in http_routes(load_modules([FIXTURE]), [])]
    assert "/" in prefixes and "/idl" in prefixes and len(prefixes) > 3
    paths = ["/ugm", "/ugm/gwfixture"]
    for p in prefixes:
        paths += [p, p.rstrip("/") + "/gwfixture"]
    return paths


def test_production_serves_calls_status_and_metrics_only(serve: Callable[..., Served]) -> None:
    gw = serve("--mode", "production")
    assert gw.err.startswith("graftc: mode production")
    with connect(gw.urls["tcp"]) as client:
        assert client.call("echo", "still served") == "still served"
    with connect(gw.urls["ws"]) as client:
        assert client.call("echo", "over ws") == "over ws"
    assert gw.get("/status") == 200
    assert gw.get("/metrics") == 200
    refused = {path: gw.get(path) for path in development_routes()}
    assert set(refused.values()) == {404}, refused
    assert gw.imported() == []


def test_development_is_the_default_and_says_so(serve: Callable[..., Served]) -> None:
    gw = serve()
    assert gw.err.startswith("graftc: mode development")
    served = {path: gw.get(path) for path in development_routes()}
    assert served["/ugm"] == served["/idl"] == served["/"] == 200, served


def test_expose_ugm_needs_a_token_and_is_then_behind_it(serve: Callable[..., Served]) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "graftc.cli", "serve", FIXTURE, "--mode", "production",
         "--expose-ugm", "--port-base", "0"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "GRAFTC_AUTH_TOKEN": ""},
    )  # fmt: skip
    assert p.returncode == 2 and "--expose-ugm needs auth" in p.stderr
    gw = serve("--mode", "production", "--expose-ugm", "--auth-token", TOKEN)
    assert gw.get("/ugm") == 401 and gw.get("/idl") == 401
    assert gw.get("/ugm", TOKEN) == 200 and gw.get("/idl", TOKEN) == 200
    assert gw.get("/vision", TOKEN) == 404 and gw.get("/", TOKEN) == 404
    assert TOKEN not in gw.err


def test_debug_is_refused_in_production() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "graftc.cli", "serve", FIXTURE, "--mode", "production", "--debug"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 2 and "not in production" in p.stderr
