"""`graftc serve --workers N`: N gateway processes serving one set of ports (Linux).

The parent loads the hosted modules once, fixes every listener's port (`reserve_port`, so port 0
works) and forks the workers before it starts any thread. Each worker runs an ordinary gateway
whose TCP and WebSocket listeners join the port's SO_REUSEPORT group, so the kernel spreads
connections over the workers; a connection, and every remote instance created on it, stays with
the worker that accepted it. The HTTP listeners (`/status`, `/metrics`, `/ugm`, Vision) are
served by worker 1 alone: their figures are worker 1's.

The parent only supervises: it announces the listeners once every worker listens, starts a
new worker in place of one that dies, and on SIGTERM/SIGINT forwards the signal to every
worker (each drains as a single gateway does) and returns when all have exited. Workers ask the
kernel for SIGTERM if the parent dies, so none is left orphaned.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence

from ._config import GatewayConfig
from ._hosting import HostedModule
from ._listeners import REUSE_PORT_AVAILABLE, reserve_port
from ._routes import HttpRoute

Address = tuple[str, int]
_PR_SET_PDEATHSIG = 1
_RESTART_PAUSE = 0.5  # a worker crashing in a loop must not fork at full speed


class WorkerStartError(RuntimeError):
    """A worker exited before it was listening (its own error is on stderr)."""


def run_workers(
    count: int,
    hosted: Sequence[HostedModule],
    config: GatewayConfig,
    *,
    tcp: Address | None,
    ws: Address | None,
    http: Address | None,
    vision: Address | None,
    routes: Sequence[HttpRoute],
    open_routes: Sequence[HttpRoute],
    on_listen: Callable[[str], None] | None = None,
) -> None:
    if not REUSE_PORT_AVAILABLE or not sys.platform.startswith("linux"):
        raise WorkerStartError("--workers needs Linux (SO_REUSEPORT spreads the connections)")
    reserved = [reserve_port(*addr) for addr in (tcp, ws) if addr is not None]
    try:
        shared = iter(s.getsockname()[1] for s in reserved)
        tcp = (tcp[0], next(shared)) if tcp is not None else None
        ws = (ws[0], next(shared)) if ws is not None else None

        from ._server import run_gateway  # trio is imported, never started, in the parent

        serve = functools.partial(
            run_gateway, hosted, config, tcp=tcp, ws=ws, routes=routes, open_routes=open_routes,
            reuse_port=True,
        )  # fmt: skip
        listeners = sum(a is not None for a in (tcp, ws))

        def start(index: int) -> tuple[int, list[str]]:
            pages = (http, vision) if index == 1 else (None, None)  # worker 1's alone
            return _fork_worker(
                lambda announce: serve(on_listen=announce, http=pages[0], vision=pages[1]),
                expected=listeners + sum(a is not None for a in pages),
            )

        _supervise(count, start, on_listen)
    finally:
        for sock in reserved:
            sock.close()


def _supervise(
    count: int,
    start: Callable[[int], tuple[int, list[str]]],
    on_listen: Callable[[str], None] | None,
) -> None:
    stopping: list[int] = []
    workers: dict[int, int] = {}  # pid -> worker number

    def forward(signum: int, _frame: object) -> None:
        stopping.append(signal.SIGTERM)
        for pid in workers:
            _kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        announced: list[str] = []
        for index in range(1, count + 1):
            pid, urls = start(index)
            workers[pid] = index
            if stopping:  # a signal during the start: the new worker must stop too
                _kill(pid, stopping[0])
            announced += urls if index == 1 else []
        if on_listen is not None:  # once every worker listens
            for url in announced:
                on_listen(url)
        while workers:
            try:
                pid, _status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
                continue
            index = workers.pop(pid, 0)
            if index and not stopping:
                print(f"graftc: worker {index} (pid {pid}) exited; starting another",
                      file=sys.stderr, flush=True)  # fmt: skip
                time.sleep(_RESTART_PAUSE)
                if not stopping:
                    new_pid, _ = start(index)
                    workers[new_pid] = index
    finally:
        for pid in workers:
            _kill(pid, signal.SIGTERM)
        for pid in list(workers):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _fork_worker(
    serve: Callable[[Callable[[str], None]], None], expected: int
) -> tuple[int, list[str]]:
    """Fork a worker that runs `serve(announce)`; return its pid once it has announced
    `expected` listener URLs (through a pipe)."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read_end)
        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            # its own process group: a terminal's Ctrl-C reaches the parent only, which
            # forwards one SIGTERM, so no worker sees two signals and cuts its drain short
            os.setpgid(0, 0)
            _die_with_parent(parent)
            out = os.fdopen(write_end, "w", buffering=1, encoding="utf-8")

            def announce(url: str) -> None:
                out.write(url + "\n")

            serve(announce)
            code = 0
        except BaseException as e:  # a worker never returns into the parent's code
            print(f"graftc: worker {os.getpid()}: {e}", file=sys.stderr, flush=True)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_end)
    urls: list[str] = []
    with os.fdopen(read_end, encoding="utf-8") as lines:
        for line in lines:
            urls.append(line.strip())
            if len(urls) == expected:
                break
    if len(urls) < expected:
        os.waitpid(pid, 0)
        raise WorkerStartError("a worker stopped before it was listening")
    return pid, urls


def _die_with_parent(parent: int) -> None:
    """SIGTERM this worker when the parent dies (PR_SET_PDEATHSIG), so a killed supervisor
    leaves no orphan; a parent already gone means we stop now."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
