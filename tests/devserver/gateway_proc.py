"""Start and stop a real `graftc serve` for the end-to-end tests (ephemeral ports, by PID)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Gateway:
    proc: subprocess.Popen[str]
    urls: dict[str, str] = field(default_factory=dict)
    output: list[str] = field(default_factory=list)

    @property
    def http(self) -> str:
        return self.urls["http"]

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        req = urllib.request.Request(self.http + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_gateway(
    module: Path,
    cache_dir: Path,
    listeners: tuple[str, ...] = ("tcp", "ws", "http"),
    timeout: float = 60.0,
    options: tuple[str, ...] = (),
) -> Gateway:
    env = {**os.environ, "GRAFTC_CACHE_DIR": str(cache_dir), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graftc.cli",
            "serve",
            str(module),
            *(arg for name in listeners for arg in (f"--{name}", "127.0.0.1:0")),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=module.parent,
    )
    gw = Gateway(proc)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while len(gw.urls) < len(listeners):
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None or time.monotonic() > deadline:
            gw.stop()
            raise RuntimeError("gateway did not start:\n" + "".join(gw.output))
        gw.output.append(line)
        if line.startswith("graftc: listening "):
            url = line.split("listening ", 1)[1].strip()
            scheme = url.split("://", 1)[0]
            gw.urls[{"tcp": "tcp", "ws": "ws", "http": "http"}.get(scheme, scheme)] = url.rstrip(
                "/"
            )
    return gw
