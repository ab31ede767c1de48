"""CPU time per call, client and server pinned to one CPU: the figure this VM's load moves least.

    .venv/bin/python bench/cpu.py [--calls N] [--rounds R] [--cpu C] [--systems a,b,...]
                                  [--workloads add,get_user,echo_64k,echo_1m]
                                  [--server-args "--workers 2 ..."] [--before DIR]
                                  [--before-env NAME=VALUE ...]

Each system's server and a client run with `taskset -c C`. The client warms up, then for each
workload (`add`, `get_user`) the parent reads the server's CPU time (`/proc/PID/stat`, every
thread), lets the client make N sequential calls timed with `time.process_time()`, and reads
the server's again. Reported: µs of CPU per call for the client, the server and both, median
over the rounds (systems interleaved round by round, so all see the same machine).
`--before-env GRAFTCODE_MYPYC=0` without `--before` compares this tree with itself in pure Python.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent

CALLERS = {
    "floor": ("floor", "FloorCaller"),
    "graftcode-sync": ("graftcode_sync", "GraftCaller"),
    "graftcode-trio": ("graftcode_trio", "AsyncGraftCaller"),
    "pyro5-msgpack": ("pyro5_msgpack", "PyroCaller"),
    "grpc-sync": ("grpc_sync", "GrpcCaller"),
}
WORKLOADS = ("add", "get_user")
# `--workloads`: the large-payload rows too (echo_1k, echo_64k, echo_1m: bytes of that size)
ARGS: dict[str, tuple[Any, ...]] = {
    "add": (1, 2),
    "get_user": (7,),
    "echo_1k": (b"x" * 1024,),
    "echo_64k": (b"x" * 65536,),
    "echo_1m": (b"x" * 1048576,),
}
TICK = os.sysconf("SC_CLK_TCK")


def server_cpu(pid: int) -> float:
    """Seconds of CPU (user + system, all threads) the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def client_main(system: str, port: int, calls: int, workloads: list[str]) -> None:
    """The pinned client: warm up, then one loop per workload when the parent says go."""
    import importlib

    module_name, caller_name = CALLERS[system]
    module = importlib.import_module(module_name)
    asynchronous = caller_name.startswith("Async")
    caller = None if asynchronous else getattr(module, caller_name)(port)

    def loop(name: str, n: int) -> float:
        fn = getattr(caller, name.partition("_")[0] if name.startswith("echo") else name)
        arg = ARGS[name]
        t0 = time.process_time()
        for _ in range(n):
            fn(*arg)
        return time.process_time() - t0

    if asynchronous:  # the trio client lives inside one trio run
        import trio

        async def main() -> None:
            service = module.graft_service
            async with service.connect_async(f"tcp://127.0.0.1:{port}") as channel:
                client = service.AsyncServiceClient(channel)
                for name in workloads:
                    await _async_loop(client, name, calls // 10)
                for name in workloads:
                    await trio.to_thread.run_sync(input)
                    t0 = time.process_time()
                    await _async_loop(client, name, calls)
                    spent = time.process_time() - t0
                    print(json.dumps({name: spent / calls * 1e6}), flush=True)

        trio.run(main)
        return
    for name in workloads:
        loop(name, calls // 10)
    for name in workloads:
        input()
        print(json.dumps({name: loop(name, calls) / calls * 1e6}), flush=True)


async def _async_loop(caller: Any, name: str, n: int) -> None:
    fn = getattr(caller, name.partition("_")[0] if name.startswith("echo") else name)
    arg = ARGS[name]
    for _ in range(n):
        await fn(*arg)


def measure(
    system: str,
    calls: int,
    cpu: int,
    server_args: list[str],
    tree: Path | None,
    before_env: list[str],
    workloads: Sequence[str] = WORKLOADS,
) -> dict[str, float]:
    from run import SYSTEMS, env_pairs, run_server

    spec = next(s for s in SYSTEMS if s.name == system.removesuffix("@before"))
    if system.endswith("@before"):
        spec = dataclasses.replace(spec, tree=tree, env=env_pairs(before_env))
    pin = ["taskset", "-c", str(cpu)]
    extra = server_args if system.startswith("graftcode") else []
    with run_server(spec, prefix=pin, extra=extra) as (server, port, env):
        client = subprocess.Popen(
            [
                *pin,
                sys.executable,
                str(BENCH / "cpu.py"),
                "--client",
                spec.name,
                port,
                str(calls),
                ",".join(workloads),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=BENCH,
        )
        assert client.stdin is not None and client.stdout is not None
        out: dict[str, float] = {}
        for name in workloads:
            before = server_cpu(server.pid)
            client.stdin.write("go\n")
            client.stdin.flush()
            line = client.stdout.readline()
            if not line:
                raise RuntimeError(f"{system}: the client stopped")
            out[f"{name}:client"] = json.loads(line)[name]
            out[f"{name}:server"] = (server_cpu(server.pid) - before) / calls * 1e6
        client.stdin.close()
        client.wait(30)
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":  # its bench folder is on PYTHONPATH
        client_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(","))
        return 0
    sys.path[:0] = [str(BENCH), str(BENCH / "systems")]
    from run import add_before_env

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--systems", default="floor,graftcode-sync,pyro5-msgpack,graftcode-trio")
    ap.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"of {', '.join(ARGS)} (echo_*: bytes)"
    )
    ap.add_argument("--server-args", default="", help="extra `graftc serve` arguments")
    ap.add_argument(
        "--before", type=Path, help="another checkout: its graftcode systems run too (NAME@before)"
    )
    add_before_env(ap)
    args = ap.parse_args()
    systems = args.systems.split(",")
    if args.before or args.before_env:
        systems += [f"{s}@before" for s in systems if s.startswith("graftcode")]
    workloads = args.workloads.split(",")
    rows: dict[str, list[dict[str, float]]] = {s: [] for s in systems}
    for _ in range(args.rounds):
        for system in systems:
            rows[system].append(
                measure(
                    system,
                    args.calls,
                    args.cpu,
                    shlex.split(args.server_args),
                    args.before,
                    args.before_env,
                    workloads,
                )
            )
    keys = [f"{w}:{side}" for w in workloads for side in ("client", "server")]
    print("| system | " + " | ".join(k.replace(":", " ") + " µs" for k in keys)
          + "".join(f" | {w} both µs" for w in workloads) + " |")  # fmt: skip
    print("|---" * (len(keys) + len(workloads) + 1) + "|")
    for system, runs in rows.items():
        med = {k: statistics.median(r[k] for r in runs) for k in keys}
        both = [med[f"{w}:client"] + med[f"{w}:server"] for w in workloads]
        cells = [f"{med[k]:.1f}" for k in keys] + [f"{b:.1f}" for b in both]
        print(f"| {system} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
