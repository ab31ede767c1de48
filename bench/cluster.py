"""Calls/s through nginx with several gateways, against one gateway (docs/deploy.md).

    .venv/bin/python bench/cluster.py [--seconds 5] [--processes 4] [--threads 16] [--repeat 3]

Three setups, each with the same load (`processes` client processes of `threads` threads, each
thread with its own blocking client, hence its own connection, calling `whoami()` of
tests/deploy/clustermod.py in a loop): one gateway called directly, one gateway behind nginx,
and three gateways behind nginx (deploy/nginx/graftcode.conf.in, TCP through its stream
module). Gateways, nginx and the load run on this machine, as the deployment tests do; the
report says how many cores shared them.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import threading
import time
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "deploy"))

from cluster import GatewayProc, Nginx  # noqa: E402


def _load(url: str, threads: int, start: float, stop: float, out: Queue[Any]) -> None:
    from graftcode_runtime import connect

    counts = [0] * threads

    def caller(i: int) -> None:
        with connect(url, module="clustermod", timeout=30) as client:
            client.call("whoami")  # connected before the clock starts
            while time.time() < start:
                time.sleep(0.001)
            n = 0
            while time.time() < stop:
                client.call("whoami")
                n += 1
            counts[i] = n

    ts = [threading.Thread(target=caller, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put(sum(counts))


def measure(url: str, processes: int, threads: int, seconds: float) -> float:
    ctx = mp.get_context("spawn")
    out: Queue[Any] = ctx.Queue()
    start = time.time() + 3.0  # every process imported, connected and waiting
    procs = [
        ctx.Process(target=_load, args=(url, threads, start, start + seconds, out))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    total = sum(out.get(timeout=seconds + 120) for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3, help="runs per setup; the median is shown")
    args = ap.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        gateways = [GatewayProc(work, f"gw{i}") for i in range(3)]
        one = Nginx(work / "one", gateways[:1], workers="auto")
        three = Nginx(work / "three", gateways, workers="auto")
        try:
            for g in gateways:
                g.start()
            one.start()
            three.start()
            setups = {
                "1 gateway, direct": gateways[0].upstream,
                "1 gateway behind nginx": one.tcp_url,
                "3 gateways behind nginx": three.tcp_url,
            }
            for _ in range(args.repeat):
                for name, target in setups.items():
                    url = (
                        target
                        if isinstance(target, str)
                        else f"tcp://{target.host}:{target.tcp_port}"
                    )
                    rate = measure(url, args.processes, args.threads, args.seconds)
                    results.setdefault(name, []).append(rate)
                    print(f"{name}: {rate:,.0f} calls/s", file=sys.stderr)
        finally:
            three.stop()
            one.stop()
            for g in gateways:
                g.stop()
    conns = args.processes * args.threads
    print(f"{os.cpu_count()} CPUs; {conns} connections ({args.processes} processes x "
          f"{args.threads} threads), {args.seconds:g} s per run, median of {args.repeat}\n")  # fmt: skip
    print("| setup | calls/s (median) | runs |")
    print("|---|---|---|")
    base = statistics.median(results["1 gateway, direct"])
    for name, rates in results.items():
        med = statistics.median(rates)
        runs = ", ".join(f"{r:,.0f}" for r in rates)
        print(f"| {name} | {med:,.0f} ({med / base:.2f}x) | {runs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
