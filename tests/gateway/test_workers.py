"""`graftc serve --workers N`: calls from many connections are spread over the worker
processes, remote instances stay with their connection's worker, HTTP is served by one worker,
and SIGTERM (or the supervisor's death) stops every worker. Gateways run as a user runs them:
`graftc serve` subprocesses on 127.0.0.1 port 0, stopped by PID."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from graftcode_runtime import connect

ROOT = Path(__file__).resolve().parents[2]
# the deploy tests' module: its answers name the serving process
FIXTURE = str(Path(__file__).parent.parent / "deploy" / "clustermod.py")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="--workers needs Linux"),
]


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], dict[str, object]]:
    ports = tmp_path / "ports.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "graftc.cli", "serve", FIXTURE, "--tcp", "127.0.0.1:0",
         "--ports-file", str(ports), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not ports.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"graftc serve did not start: {proc.communicate()[1]}")
        time.sleep(0.05)
    return proc, json.loads(ports.read_text())


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return {p for p in pids if _alive(p)}


def test_calls_spread_over_workers_and_instances_stay_on_their_connection(
    tmp_path: Path,
) -> None:
    proc, ports = _start(tmp_path, "--workers", "2", "--http", "127.0.0.1:0")
    try:
        workers = _children(proc.pid)
        assert len(workers) == 2
        url = str(ports["tcp"])
        clients = [connect(url, module="clustermod") for _ in range(24)]
        try:
            served = {c.call("whoami") for c in clients}
            assert served == workers  # the kernel spread 24 connections over both workers
            tallies = [(c, c.new("Tally")) for c in clients]
            for round_ in range(1, 4):
                for _, tally in tallies:
                    assert tally.call("add", 1) == round_  # each instance keeps its own state
            for c, tally in tallies:
                assert tally.call("gateway") == c.call("whoami")  # ...in its connection's worker
        finally:
            for c in clients:
                c.close()
        # HTTP is served by one worker; /status counts that worker's sessions only
        with urllib.request.urlopen(f"{ports['http']}status", timeout=10) as r:
            assert json.loads(r.read())["status"] == "serving"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert _wait_gone(workers) == set(), err  # SIGTERM stopped every worker: no orphan
    assert not (tmp_path / "ports.json").exists()


def test_sigterm_drains_calls_in_flight_in_every_worker(tmp_path: Path) -> None:
    proc, ports = _start(tmp_path, "--workers", "2", "--grace", "10")
    workers = _children(proc.pid)
    clients = [connect(str(ports["tcp"]), module="clustermod") for _ in range(8)]
    try:
        assert {c.call("whoami") for c in clients} == workers
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert _wait_gone(workers) == set(), err
    finally:
        for c in clients:
            c.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_a_worker_that_dies_is_replaced_and_a_killed_supervisor_leaves_no_orphan(
    tmp_path: Path,
) -> None:
    proc, ports = _start(tmp_path, "--workers", "2")
    try:
        first = _children(proc.pid)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            now = _children(proc.pid)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.05)
        now = _children(proc.pid)
        assert len(now) == 2 and victim not in now
        with connect(str(ports["tcp"]), module="clustermod") as c:
            assert c.call("whoami") in now
        proc.kill()  # SIGKILL: the supervisor cannot forward anything
        proc.communicate(timeout=30)
        assert _wait_gone(now) == set()  # the workers asked for SIGTERM on the parent's death
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_workers_must_be_positive(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "graftc.cli", "serve", FIXTURE, "--workers", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers must be at least 1" in done.stderr


def test_hostile_peers_never_take_a_worker_down(tmp_path: Path) -> None:
    """The workers run the same engine as a single gateway (tests/gateway/test_hostile.py puts
    it through everything); what --workers adds is processes sharing one port, so the check
    here is that garbage, frames cut short, oversized length prefixes and a few hundred short
    connections spread over the workers leave every worker alive and serving."""
    import random
    import socket
    import threading

    from graftcode_runtime.testing import frame, hello

    proc, ports = _start(tmp_path, "--workers", "2")
    stderr = proc.stderr
    assert stderr is not None
    log: list[str] = []  # read as it comes: each refused peer is logged, and a full pipe blocks
    reader = threading.Thread(target=lambda: log.extend(stderr), daemon=True)
    reader.start()
    try:
        workers = _children(proc.pid)
        host, port = str(ports["tcp"]).removeprefix("tcp://").rstrip("/").rsplit(":", 1)
        rng = random.Random(7)
        good = frame(hello("clustermod"))
        payloads = [
            b"GET / HTTP/1.1\r\n\r\n",
            b"\xff\xff\xff\xff" + b"x" * 64,  # a length prefix of 4 GiB
            good + frame([1, 1])[:3],  # a frame cut short, then the end of the stream
            bytes(rng.getrandbits(8) for _ in range(512)),
            good,  # a handshake, then nothing
        ]
        for i in range(400):
            with socket.create_connection((host, int(port)), timeout=10) as s:
                s.sendall(payloads[i % len(payloads)])
                s.shutdown(socket.SHUT_WR)
                with contextlib.suppress(OSError):
                    while s.recv(65536):
                        pass
        assert _children(proc.pid) == workers  # none died and was replaced
        clients = [connect(str(ports["tcp"]), module="clustermod") for _ in range(16)]
        try:
            assert {c.call("whoami") for c in clients} == workers
        finally:
            for c in clients:
                c.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=10)
    assert proc.returncode == 0, "".join(log[-20:])
