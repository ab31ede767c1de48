"""A gateway in its own process, for tests that measure it from outside (memory, file
descriptors) or kill it. Started with `python -m graftcode_runtime.testing.serve`."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..gateway import GatewayConfig


def free_ports(n: int) -> list[int]:
    """`n` distinct ports free now on 127.0.0.1, for a process that must be started (and
    restarted) on known ports; held open together so that none repeats."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def stop_process(proc: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    """SIGTERM (a gateway drains), then SIGKILL if it is still running after `timeout`."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class GatewayProcess:
    """`with GatewayProcess(["calculator"], GatewayConfig(...)) as gw: gw.urls["tcp"]`.

    Listens on 127.0.0.1, ephemeral ports, for TCP (TLS when the config has a certificate),
    WebSocket and HTTP; stopped by SIGTERM (then SIGKILL) on exit."""

    def __init__(
        self,
        modules: Sequence[str],
        config: GatewayConfig | None = None,
        *,
        path: Sequence[str | Path] = (),
        env: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.modules = list(modules)
        self.config = config or GatewayConfig()
        self.path = [str(p) for p in path]
        self.env = env or {}
        self.timeout = timeout
        self.urls: dict[str, str] = {}
        self.output: list[str] = []
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> GatewayProcess:
        cfg = json.dumps(asdict(self.config))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graftcode_runtime.testing.serve", cfg, *self.modules],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={
                **os.environ,
                "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": os.pathsep.join([*self.path, os.environ.get("PYTHONPATH", "")]),
                **self.env,
            },
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.output.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + self.timeout
        while "http" not in self.urls:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                raise RuntimeError("the gateway did not start:\n" + "".join(self.output))
            if line.startswith("LISTENING "):
                url = line.split()[1]
                self.urls[url.split(":", 1)[0]] = url
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
