"""`graftc serve` as a user runs it: a subprocess, ports from its start-up lines, SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from graftcode_runtime import connect

ROOT = Path(__file__).resolve().parents[2]


def _start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "graftc.cli", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    urls: dict[str, str] = {}
    assert proc.stdout is not None
    wanted = sum(1 for a in args if a in ("--tcp", "--ws", "--http"))
    timer = threading.Timer(60, proc.kill)
    timer.start()
    try:
        while len(urls) < wanted:
            line = proc.stdout.readline()
            if not line:
                _, err = proc.communicate(timeout=10)
                raise AssertionError(f"graftc serve exited early: {err}")
            if line.startswith("graftc: listening "):
                url = line.split()[-1]
                urls[url.split(":", 1)[0]] = url
    finally:
        timer.cancel()
    return proc, urls


@pytest.mark.slow
def test_serve_and_sigterm_during_a_call() -> None:
    proc, urls = _start(
        "calculator",
        "gwfixture",
        "--path",
        "examples",
        "--path",
        "tests/gateway",
        "--tcp",
        "127.0.0.1:0",
        "--ws",
        "127.0.0.1:0",
        "--http",
        "127.0.0.1:0",
        "--grace",
        "5",
    )
    try:
        with connect(urls["tcp"], module="calculator") as c:
            assert c.call("add", 1, 2) == 3
        with connect(urls["ws"], module="gwfixture") as c:
            assert c.call("echo", "hi") == "hi"
        host, port = urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/status")
        assert json.loads(conn.getresponse().read())["status"] == "serving"
        conn.request("GET", "/idl/calculator")
        idl = conn.getresponse().read().decode()
        assert "service calculator" in idl and "fn add(a: int, b: int) -> int;" in idl
        conn.request("GET", "/ugm/gwfixture")
        assert json.loads(conn.getresponse().read())["module"]["name"] == "gwfixture"
        conn.close()

        slow = connect(urls["tcp"], module="gwfixture")
        result: list[object] = []
        worker = threading.Thread(target=lambda: result.append(slow.call("delayed", 9, 0.5)))
        worker.start()
        import time

        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        worker.join(15)
        assert result == [9]  # the call in flight finished within the grace period
        slow.close()
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "event=conn_open" in err and "event=conn_close" in err
        assert "event=stopped" in err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_serve_reports_a_module_that_cannot_load() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "graftc.cli", "serve", "no_such_module_xyz", "--tcp", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "no_such_module_xyz" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_serve_rejects_a_bad_address() -> None:
    from graftc.cli import main

    assert main(["serve", "calculator", "--tcp", "host:notaport"]) == 2


def test_serve_reports_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from graftc.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "calculator", "--tcp", f"127.0.0.1:{port}"])
    assert code == 1
    err = capsys.readouterr().err
    assert "graftc serve: error:" in err and "internal error" not in err
