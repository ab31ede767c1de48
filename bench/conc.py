"""CPU per call with many callers: the figure to follow when one server serves many connections.

    .venv/bin/python bench/conc.py [--callers 8,64] [--seconds S] [--rounds R] [--cpus LIST]
                                   [--systems a,b,...] [--server-args "..."] [--before DIR]

Like `cpu.py`, but each round runs N caller threads (one connection each, the `add xN` rows of
`run.py`) for S seconds. Server and client run with `taskset -c LIST` (default "0": one CPU,
where CPU per call decides calls/s; "0,1" splits them as the kernel likes). Reported per system
and level, median over the rounds (systems interleaved round by round): calls/s, µs of server
and client CPU per call, and the server's context switches per call (voluntary: it blocked;
involuntary: it was preempted), read from `/proc/PID/task/*`.
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
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TICK = os.sysconf("SC_CLK_TCK")


def server_usage(pid: int) -> tuple[float, int, int]:
    """CPU seconds (all threads), voluntary and involuntary context switches (live threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    vol = inv = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("voluntary_ctxt_switches"):
                vol += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches"):
                inv += int(line.split()[1])
    return cpu, vol, inv


def client_main(system: str, port: int, level: int) -> None:
    """N caller threads; on each "go" line count calls for the time given, print the count."""
    import importlib

    from cpu import CALLERS

    module_name, caller_name = CALLERS[system]
    make = getattr(importlib.import_module(module_name), caller_name)
    state = {"counting": False, "stop": False}
    counts = [0] * level
    ready = threading.Barrier(level + 1)

    def worker(i: int) -> None:
        c = make(port)
        ready.wait()
        while not state["stop"]:
            c.add(1, 2)
            if state["counting"]:
                counts[i] += 1
        c.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(level)]
    for t in threads:
        t.start()
    ready.wait()
    for line in sys.stdin:
        seconds = float(line)
        before = sum(counts)
        t0 = time.process_time()
        state["counting"] = True
        time.sleep(seconds)
        state["counting"] = False
        spent = time.process_time() - t0
        print(json.dumps({"calls": sum(counts) - before, "cpu": spent}), flush=True)
    state["stop"] = True
    for t in threads:
        t.join()


def measure(
    system: str, level: int, seconds: float, cpus: str, server_args: list[str], tree: Path | None
) -> dict[str, float]:
    from run import SYSTEMS, run_server

    spec = next(s for s in SYSTEMS if s.name == system.removesuffix("@before"))
    if system.endswith("@before"):
        spec = dataclasses.replace(spec, tree=tree)
    pin = ["taskset", "-c", cpus]
    extra = server_args if system.startswith("graftcode") else []
    with run_server(spec, prefix=pin, extra=extra) as (server, port, env):
        env = dict(env, PYTHONPATH=os.pathsep.join([env["PYTHONPATH"], str(BENCH)]))
        cmd = [*pin, sys.executable, str(BENCH / "conc.py"), "--client", spec.name, port]
        client = subprocess.Popen(
            [*cmd, str(level)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            cwd=BENCH,
        )  # fmt: skip
        assert client.stdin is not None and client.stdout is not None
        client.stdin.write("0.3\n")  # warm up
        client.stdin.flush()
        client.stdout.readline()
        cpu0, vol0, inv0 = server_usage(server.pid)
        t0 = time.perf_counter()
        client.stdin.write(f"{seconds}\n")
        client.stdin.flush()
        line = client.stdout.readline()
        cpu1, vol1, inv1 = server_usage(server.pid)
        if not line:
            raise RuntimeError(f"{system}: the client stopped")
        got = json.loads(line)
        elapsed = time.perf_counter() - t0
        client.stdin.close()
        client.wait(30)
    n = max(1, got["calls"])
    return {
        "calls_s": n / elapsed,
        "server_us": (cpu1 - cpu0) / n * 1e6,
        "client_us": got["cpu"] / n * 1e6,
        "vol": (vol1 - vol0) / n,
        "inv": (inv1 - inv0) / n,
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    sys.path[:0] = [str(BENCH), str(BENCH / "systems")]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--callers", default="8,64")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpus", default="0")
    ap.add_argument("--systems", default="graftcode-sync,pyro5-msgpack")
    ap.add_argument("--server-args", default="", help="extra `graftc serve` arguments")
    ap.add_argument(
        "--before", type=Path, help="another checkout: its graftcode systems run too (NAME@before)"
    )
    args = ap.parse_args()
    systems = args.systems.split(",")
    if args.before:
        systems += [f"{s}@before" for s in systems if s.startswith("graftcode")]
    levels = [int(x) for x in args.callers.split(",")]
    rows: dict[tuple[str, int], list[dict[str, float]]] = {
        (s, n): [] for n in levels for s in systems
    }
    extra = shlex.split(args.server_args)
    for _ in range(args.rounds):
        for key in rows:
            rows[key].append(measure(key[0], key[1], args.seconds, args.cpus, extra, args.before))
    keys = ("calls_s", "server_us", "client_us", "vol", "inv")
    print(f"CPUs {args.cpus}, {args.seconds} s per sample, median of {args.rounds}")
    print("| system | callers | calls/s | server µs/call | client µs/call "
          "| server voluntary cs/call | server involuntary cs/call |")  # fmt: skip
    print("|---" * 7 + "|")
    for (system, level), runs in rows.items():
        med = {k: statistics.median(r[k] for r in runs) for k in keys}
        print(f"| {system} | {level} | {med['calls_s']:,.0f} | {med['server_us']:.1f} "
              f"| {med['client_us']:.1f} | {med['vol']:.2f} | {med['inv']:.2f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
