"""Steady load through the balancer: `callers` threads, each with its own blocking client (so
its own connection, balanced by nginx), calling `echo(tag)` and checking the answer carries
its own tag. Answers name the gateway PID that ran them, so calls are counted per gateway."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graftcode_runtime import GraftError, connect

HERE = Path(__file__).resolve().parent


@dataclass
class Failure:
    caller: int
    code: str
    message: str
    gateway: int  # the PID that answered this caller's previous call (0: none yet)
    seconds: float


@dataclass
class Load:
    urls: Sequence[str]
    callers: int
    calls: int | None = None  # per caller; None: until stop()
    delay: float = 0.0
    timeout: float = 10.0
    per_gateway: Counter[int] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    crossed: list[str] = field(default_factory=list)
    ok: int = 0
    started: int = 0  # callers connected (and their gateway known)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._caller, args=(i,), daemon=True)
            for i in range(self.callers)
        ]

    def start(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 60.0) -> None:
        """Wait for every caller; a caller still blocked after `timeout` is a hang."""
        give_up = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, give_up - time.monotonic()))
        hung = [t.name for t in self._threads if t.is_alive()]
        assert not hung, f"callers hung: {hung}"

    def wait_ok(self, more: int, timeout: float = 60.0) -> None:
        """Until every caller is connected and `more` calls succeeded from now on."""
        target = self.ok + more
        give_up = time.monotonic() + timeout
        while self.ok < target or self.started < self.callers:
            assert time.monotonic() < give_up, f"load stalled at {self.ok} calls, {self.failures}"
            time.sleep(0.01)

    def _caller(self, i: int) -> None:
        url = self.urls[i % len(self.urls)]
        client = connect(url, module="clustermod", timeout=self.timeout, lazy=True)
        n = 0
        with client:
            # which gateway holds this connection, so that a failure of its first real call
            # is attributed too
            last = int(client.call("whoami"))
            with self._lock:
                self.started += 1
            while not self._stop.is_set() and (self.calls is None or n < self.calls):
                tag = f"{i}:{n}"
                n += 1
                start = time.monotonic()
                try:
                    got, pid = client.call("echo", tag, self.delay)
                except GraftError as e:
                    failure = Failure(i, e.code.name, str(e), last, time.monotonic() - start)
                    with self._lock:
                        self.failures.append(failure)
                    last = 0
                    continue
                last = int(pid)
                with self._lock:
                    self.ok += 1
                    self.per_gateway[last] += 1
                    if got != tag:
                        self.crossed.append(f"{tag} answered {got}")


class NodeLoad:
    """The same load from the TypeScript client (tests/deploy/load.mjs), in a Node process."""

    def __init__(self, cluster: Any, callers: int) -> None:
        from cluster import tsharness

        ts = tsharness()
        runtime = ts.build_runtime()
        self.proc = subprocess.Popen(
            [ts.node_bin(), str(HERE / "load.mjs"), str(runtime / "dist" / "node.js"),
             str(callers), cluster.url("tcp"), cluster.url("ws")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline() == "READY\n", self.proc.stderr

    def finish(self) -> dict[str, Any]:
        """Stop the callers; their counts and failures."""
        try:
            out, err = self.proc.communicate("stop\n", timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.returncode == 0, err
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return result


def on_gateway(
    make: Callable[[], Any], whoami: Callable[[Any], int], pid: int, n: int
) -> list[Any]:
    """`n` clients whose connections nginx sent to gateway `pid` (least_conn spreads new
    connections, so the others stay open until then)."""
    found: list[Any] = []
    others: list[Any] = []
    try:
        while len(found) < n:
            assert len(others) < 100, f"no connection reached gateway {pid}"
            client = make()
            (found if whoami(client) == pid else others).append(client)
    finally:
        for c in others:
            c.close()
    return found
