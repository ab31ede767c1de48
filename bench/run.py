"""Side-by-side RPC benchmark: graftcode against grpcio, Pyro5 (msgpack) and a raw-socket floor.

    python bench/run.py [--quick] [--repeat N] [--systems a,b,...] [--out FILE.md]

Every system serves the same workload (bench/service.py) from its own server process; its client
runs in a second process; both are stopped by PID. The result is a markdown table of raw figures,
then graftcode's ratios against each peer, then the issue's targets marked met or missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable


@dataclass(frozen=True)
class System:
    name: str
    server: list[str]
    ready: str  # regex with the port as group 1, matched against the server's output lines
    client: str  # script under bench/systems
    tree: Path | None = None  # another checkout whose graftcode runs instead (--before)
    env: tuple[tuple[str, str], ...] = ()  # set for server and client (--before-env)


GRAFT_SERVER = [
    PY,
    "-m",
    "graftc.cli",
    "serve",
    "service",
    "--path",
    str(BENCH),
    "--tcp",
    "127.0.0.1:0",
]
GRAFT_READY = r"tcp://127\.0\.0\.1:(\d+)"

SYSTEMS = [
    System("floor", [PY, str(BENCH / "systems/floor.py"), "serve"], r"READY (\d+)", "floor.py"),
    System("graftcode-sync", GRAFT_SERVER, GRAFT_READY, "graftcode_sync.py"),
    System("graftcode-trio", GRAFT_SERVER, GRAFT_READY, "graftcode_trio.py"),
    # the same client against two gateway processes sharing the port (`graftc serve --workers`)
    System(
        "graftcode-sync-w2", [*GRAFT_SERVER, "--workers", "2"], GRAFT_READY, "graftcode_sync.py"
    ),
    System(
        "grpc-sync",
        [PY, str(BENCH / "systems/grpc_sync.py"), "serve"],
        r"READY (\d+)",
        "grpc_sync.py",
    ),
    System(
        "grpc-aio", [PY, str(BENCH / "systems/grpc_aio.py"), "serve"], r"READY (\d+)", "grpc_aio.py"
    ),
    System(
        "pyro5-msgpack",
        [PY, str(BENCH / "systems/pyro5_msgpack.py"), "serve"],
        r"READY (\d+)",
        "pyro5_msgpack.py",
    ),
]
PEERS = ("grpc-sync", "grpc-aio", "pyro5-msgpack")
GRAFTS = ("graftcode-sync", "graftcode-trio", "graftcode-sync-w2")

# (key, label, higher_is_better)
METRICS = [
    ("add_p50_us", "add p50 µs", False),
    ("add_p99_us", "add p99 µs", False),
    ("add_seq_per_s", "add seq/s", True),
    ("user_per_s", "get_user/s", True),
    ("echo_1024_per_s", "echo 1 KiB/s", True),
    ("echo_65536_mb_s", "echo 64 KiB MB/s", True),
    ("echo_1048576_mb_s", "echo 1 MiB MB/s", True),
    ("add_x1_per_s", "add ×1/s", True),
    ("add_x8_per_s", "add ×8/s", True),
    ("add_x64_per_s", "add ×64/s", True),
]


def env_pairs(env: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """NAME=VALUE strings as (name, value) pairs."""
    return tuple((name, value) for name, _, value in (e.partition("=") for e in env))


def add_before_env(ap: argparse.ArgumentParser) -> None:
    """--before-env, shared with cpu.py."""
    ap.add_argument(
        "--before-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set for the @before systems (this checkout's without --before)",
    )


def before_systems(tree: Path | None, env: Sequence[str] = ()) -> list[System]:
    """graftcode from another checkout (the same clients and service, its runtime and graftc
    first on the path), so one run compares a change with what came before it. `env`
    (NAME=VALUE) is set for those systems' processes; with no tree they run this checkout,
    e.g. `GRAFTCODE_MYPYC=0` against the compiled runtime."""
    return [
        replace(s, name=f"{s.name}@before", tree=tree, env=env_pairs(env))
        for s in SYSTEMS
        if s.name in GRAFTS and "--workers" not in s.server  # older trees have no --workers
    ]


@contextlib.contextmanager
def run_server(
    system: System, prefix: Sequence[str] = (), extra: Sequence[str] = ()
) -> Iterator[tuple[subprocess.Popen[str], str, dict[str, str]]]:
    """The system's server started (`prefix` before its command, e.g. taskset; `extra` after
    it): yields the process, its port and the environment its clients need."""
    # a tree from --before runs its own bench folder (service, clients, generated package)
    bench = BENCH if system.tree is None else system.tree / "bench"
    path = [bench, bench / "systems"]
    if system.tree is not None:
        path[:0] = [system.tree / "runtime/python", system.tree / "compiler"]
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.pathsep.join(map(str, path)))
    env.update(system.env)
    server = subprocess.Popen(
        [*prefix, *(a.replace(str(BENCH), str(bench)) for a in system.server), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=bench,
    )
    try:
        port = None
        deadline = time.monotonic() + 60
        assert server.stdout is not None
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            m = re.search(system.ready, line)
            if m:
                port = m.group(1)
                break
        if port is None:
            raise RuntimeError(f"{system.name}: server did not start")
        yield server, port, env
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_system(system: System, quick: bool, pin: Sequence[str] = ()) -> dict[str, Any]:
    bench = BENCH if system.tree is None else system.tree / "bench"
    with run_server(system, prefix=pin) as (_, port, env):
        cmd = [*pin, PY, str(bench / "systems" / system.client), "client", port]
        if quick:
            cmd.append("--quick")
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=bench, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"{system.name}: client failed:\n{out.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def fmt(v: float | None) -> str:
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.1f}"


def ratio(graft: float | None, peer: float | None, higher_better: bool) -> str:
    if not graft or not peer:
        return "–"
    r = graft / peer if higher_better else peer / graft
    return f"{r:.2f}×"


def report(results: dict[str, dict[str, float]], runs: int, quick: bool) -> str:
    names = list(results)
    lines = [
        f"Runs: {runs} (median shown){' — QUICK settings, not for the record' if quick else ''}; "
        f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}.",
        "",
        "| system | " + " | ".join(label for _, label, _ in METRICS) + " |",
        "|---|" + "---|" * len(METRICS),
    ]
    for n in names:
        lines.append(f"| {n} | " + " | ".join(fmt(results[n].get(k)) for k, _, _ in METRICS) + " |")
    for g in GRAFTS:
        if g not in results:
            continue
        lines += [
            "",
            f"**{g}** relative to each peer (>1× means graftcode is better: faster or more calls):",
            "",
            "| vs | " + " | ".join(label for _, label, _ in METRICS) + " |",
            "|---|" + "---|" * len(METRICS),
        ]
        for peer in (*PEERS, "floor"):
            if peer in results:
                lines.append(
                    f"| {peer} | "
                    + " | ".join(
                        ratio(results[g].get(k), results[peer].get(k), hb) for k, _, hb in METRICS
                    )
                    + " |"
                )
    befores = [g for g in GRAFTS if f"{g}@before" in results and g in results]
    if befores:
        lines += [
            "",
            "This tree relative to the one before (>1× means this one is better):",
            "",
            "| system | " + " | ".join(label for _, label, _ in METRICS) + " |",
            "|---|" + "---|" * len(METRICS),
        ]
        for g in befores:
            old, new = results[f"{g}@before"], results[g]
            cells = [ratio(new.get(k), old.get(k), hb) for k, _, hb in METRICS]
            lines.append(f"| {g} | " + " | ".join(cells) + " |")
    lines += ["", "Targets:", ""]
    lines += targets(results)
    return "\n".join(lines)


SEQUENTIAL = ("add_p50_us", "add_seq_per_s", "user_per_s", "echo_1024_per_s", "echo_65536_mb_s",
              "echo_1048576_mb_s")  # fmt: skip


def targets(results: dict[str, dict[str, float]]) -> list[str]:
    """The goals of the calling-path issue (15) this run can judge (CPU per call: bench/cpu.py;
    the one-CPU rows: a run with --cpus 0)."""
    out: list[str] = []
    better = {k: hb for k, _, hb in METRICS}
    label = {k: text for k, text, _ in METRICS}

    def ratio(a: str, b: str, key: str) -> float | None:
        x, y = results.get(a, {}).get(key), results.get(b, {}).get(key)
        if not x or not y:
            return None
        return x / y if better[key] else y / x

    def goal(text: str, a: str, b: str, keys: tuple[str, ...], need: float) -> None:
        found = [(r, k) for k in keys if (r := ratio(a, b, k)) is not None]
        if not found:
            return
        worst, key = min(found)
        mark = "met" if worst >= need else "MISSED"
        out.append(f"- {text}: {a} vs {b}, worst {label[key]} at {worst:.2f}× — {mark}")

    g, f, p = "graftcode-sync", "floor", "pyro5-msgpack"
    goal("add p50 at most 1.3× the floor's (≥ 0.77×)", g, f, ("add_p50_us",), 1 / 1.3)
    goal("get_user and echo 64 KiB ≥ 1.5× Pyro5", g, p, ("user_per_s", "echo_65536_mb_s"), 1.5)
    goal("echo 1 MiB ≥ 0.8× the floor", g, f, ("echo_1048576_mb_s",), 0.8)
    goal("64 callers ≥ 2× Pyro5", g, p, ("add_x64_per_s",), 2.0)
    goal("64 callers, gateway on both cores: ≥ the floor", "graftcode-sync-w2", f,
         ("add_x64_per_s",), 1.0)  # fmt: skip
    goal("trio level with Pyro5 on every sequential row", "graftcode-trio", p, SEQUENTIAL, 1.0)
    goal("trio ≥ 3× grpc-aio", "graftcode-trio", "grpc-aio", SEQUENTIAL, 3.0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--quick", action="store_true", help="short loops: a smoke run, not a measurement"
    )
    ap.add_argument("--repeat", type=int, default=1, help="full runs; the median is reported")
    ap.add_argument("--systems", default=",".join(s.name for s in SYSTEMS))
    ap.add_argument("--out", type=Path, help="also write the markdown report to this file")
    ap.add_argument(
        "--before", type=Path, help="another checkout: its graftcode runs too, for a before/after"
    )
    add_before_env(ap)
    ap.add_argument(
        "--cpus",
        metavar="LIST",
        help="run every server and client under `taskset -c LIST` (e.g. 0: all on one CPU)",
    )
    args = ap.parse_args()
    before = args.before.resolve() if args.before else None
    systems = SYSTEMS + (
        before_systems(before, args.before_env) if before or args.before_env else []
    )
    wanted = set(args.systems.split(","))
    wanted |= {f"{s.name}" for s in systems if s.name.removesuffix("@before") in wanted}
    unknown = wanted - {s.name for s in systems}
    if unknown:
        ap.error(f"unknown systems: {', '.join(sorted(unknown))}")
    runs: dict[str, list[dict[str, Any]]] = {}
    for i in range(args.repeat):
        for system in systems:
            if system.name in wanted:
                print(f"[run {i + 1}/{args.repeat}] {system.name} ...", file=sys.stderr, flush=True)
                pin = ["taskset", "-c", args.cpus] if args.cpus else []
                runs.setdefault(system.name, []).append(run_system(system, args.quick, pin))
    results = {
        name: {k: statistics.median(r[k] for r in rs if k in r) for k in rs[0]}
        for name, rs in runs.items()
    }
    text = report(results, args.repeat, args.quick)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
