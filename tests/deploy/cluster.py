"""Several `graftc serve` processes behind nginx (deploy/nginx/graftcode.conf.in), for the
deployment tests and bench/cluster.py. Every process is started with ports chosen now and
stopped by its PID; nginx runs as a child process with its prefix in a temporary directory."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "nginx"))

from graftcode_runtime.testing import free_ports, stop_process  # noqa: E402
from render import Gateway, render  # noqa: E402

HERE = Path(__file__).resolve().parent
GRAFTC = str(Path(sys.executable).with_name("graftc"))


def tsharness() -> Any:
    """tests/typescript/tsharness.py (Node, the built runtime), loaded by path so that its
    folder (with its own conftest.py) stays off sys.path."""
    import importlib.util

    module = sys.modules.get("tsharness")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "tsharness", ROOT / "tests" / "typescript" / "tsharness.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["tsharness"] = module
        spec.loader.exec_module(module)
    return module


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(found, os.X_OK):
        raise RuntimeError("nginx is not installed: run `make system-deps`")
    return found


def wait_until(ready: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {timeout} s")
        time.sleep(0.02)


def accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


class GatewayProc:
    """One `graftc serve --mode production` on fixed ports, restartable on the same ports."""

    def __init__(self, workdir: Path, name: str, *, grace: float = 10.0, module: str = "clustermod",
                 path: Path = HERE) -> None:  # fmt: skip
        self.tcp_port, self.ws_port, self.http_port = free_ports(3)
        self.workdir = workdir
        self.name = name
        self.grace = grace
        self.module = module
        self.path = path
        self.proc: subprocess.Popen[bytes] | None = None
        self.pids: list[int] = []  # every process that served as this gateway

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def upstream(self) -> Gateway:
        return Gateway("127.0.0.1", self.tcp_port, self.ws_port)

    def start(self) -> GatewayProc:
        ports = self.workdir / f"{self.name}.ports.json"
        ports.unlink(missing_ok=True)
        local = "127.0.0.1:"
        log = open(self.workdir / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen(
            [GRAFTC, "serve", self.module, "--mode", "production", "--path", str(self.path),
             "--tcp", f"{local}{self.tcp_port}", "--ws", f"{local}{self.ws_port}",
             "--http", f"{local}{self.http_port}", "--grace", str(self.grace),
             "--ports-file", str(ports)],
            stdout=log, stderr=log, cwd=self.workdir,
        )  # fmt: skip
        log.close()
        self.pids.append(self.proc.pid)
        proc = self.proc
        wait_until(lambda: ports.exists() or proc.poll() is not None, f"gateway {self.name}")
        if proc.poll() is not None:
            raise RuntimeError(f"gateway {self.name} exited: {self.log()}")
        return self

    def in_rotation(self, url: str) -> bool:
        """Whether a new connection through the balancer at `url` reaches this gateway (nginx's
        passive checks take a gateway that refused a connection out for `fail_timeout`)."""
        from graftcode_runtime import connect

        with connect(url, module=self.module, timeout=5) as client:
            return bool(client.call("whoami") == self.pid)

    def log(self) -> str:
        return (self.workdir / f"{self.name}.log").read_text(errors="replace")

    def status(self) -> tuple[int, dict[str, object]]:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.http_port}/status", timeout=5
            ) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def terminate(self, timeout: float = 60.0, *, signalled: bool = False) -> int:
        """SIGTERM (drain) unless `signalled` already, and wait; returns the exit status."""
        assert self.proc is not None
        if not signalled:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no GOAWAY, no drain
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)


class Nginx:
    """nginx with the project's template in front of `gateways`, as the current user."""

    def __init__(self, workdir: Path, gateways: list[GatewayProc], workers: str = "1") -> None:
        self.prefix = workdir / "nginx"
        self.gateways = gateways
        self.workers = workers
        self.tcp_port, self.ws_port = free_ports(2)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def tcp_url(self) -> str:
        return f"tcp://127.0.0.1:{self.tcp_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/"

    def start(self) -> Nginx:
        (self.prefix / "temp").mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(
            render(
                [g.upstream for g in self.gateways],
                tcp_listen=f"127.0.0.1:{self.tcp_port}",
                ws_listen=f"127.0.0.1:{self.ws_port}",
                workers=self.workers,
                temp=str(self.prefix / "temp"),
            )
        )
        globals_ = (
            f"daemon off; pid {self.prefix}/nginx.pid; error_log {self.prefix}/error.log warn;"
        )
        self.proc = subprocess.Popen(
            [nginx_binary(), "-p", str(self.prefix), "-c", str(conf), "-g", globals_],
            stdout=subprocess.DEVNULL, stderr=open(self.prefix / "stderr.log", "wb"),
        )  # fmt: skip
        proc = self.proc
        wait_until(
            lambda: proc.poll() is not None or (accepts(self.tcp_port) and accepts(self.ws_port)),
            "nginx",
        )
        if proc.poll() is not None:
            raise RuntimeError("nginx exited: " + self.errors())
        return self

    def errors(self) -> str:
        out = []
        for name in ("stderr.log", "error.log"):
            f = self.prefix / name
            if f.exists():
                out.append(f.read_text(errors="replace"))
        return "\n".join(out)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: the master stops its workers
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Cluster:
    def __init__(self, gateways: list[GatewayProc], nginx: Nginx) -> None:
        self.gateways = gateways
        self.nginx = nginx

    def url(self, transport: str) -> str:
        return self.nginx.tcp_url if transport == "tcp" else self.nginx.ws_url

    def logs(self) -> str:
        return "\n".join(g.log() for g in self.gateways) + self.nginx.errors()
