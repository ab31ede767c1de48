"""Server streaming throughput: graftcode against grpcio, in one run (issue 14).

    .venv/bin/python bench/streams.py [--rows 200000] [--chunks 3000] [--repeat 3]

Each server runs in its own process (graftcode's gateway with its default threaded TCP engine;
grpcio's sync server), each consumer in the benchmark process reading every item of one
stream: small records (4 fields) and 64 KiB byte chunks. graftcode's consumer is the blocking
client reading wire values (`Client.stream`), grpcio's its generated stub. Items/s and MB/s are
the best of `--repeat` runs; the payload MB count the item bytes only (record: its msgpack or
protobuf encoding, chunk: 64 KiB)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STREAMS = HERE / "streams"
sys.path.insert(0, str(STREAMS))

from graftcode_runtime import CallSpec, connect  # noqa: E402
from graftcode_runtime.testing import GatewayProcess  # noqa: E402

CHUNK = 64 * 1024
ROW_BYTES_MSGPACK = 41  # {"seq": i, "name": "row", "score": 0.5, "active": true}: 40-42 bytes


def graftcode(url: str, kind: str, n: int) -> float:
    with connect(url, module="stream_service") as client:
        list(client.stream(CallSpec("call", "stream_service", "rows", [10], {})))  # warm up
        args = [n] if kind == "rows" else [n, CHUNK]
        start = time.perf_counter()
        count = sum(1 for _ in client.stream(CallSpec("call", "stream_service", kind, args, {})))
        elapsed = time.perf_counter() - start
    assert count == n
    return elapsed


def grpc_server() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, str(STREAMS / "grpc_peer.py"), "serve"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        raise RuntimeError(f"grpc server did not start: {line!r}")
    return proc, int(line.split()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--chunks", type=int, default=3_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sys.path.insert(0, str(STREAMS))
    from grpc_peer import consume

    proc, port = grpc_server()
    best: dict[tuple[str, str], float] = {}
    try:
        with GatewayProcess(["stream_service"], path=[STREAMS]) as gw:
            url = gw.urls["tcp"]
            for _ in range(a.repeat):
                for kind, n in (("rows", a.rows), ("chunks", a.chunks)):
                    for system in ("graftcode", "grpcio"):
                        if system == "graftcode":
                            t = graftcode(url, kind, n)
                        else:
                            t = consume(port, kind, n, CHUNK)
                        key = (system, kind)
                        best[key] = min(best.get(key, t), t)
    finally:
        proc.kill()
        proc.wait()
    print("| stream | system | items | best s | items/s | MB/s |")
    print("|---|---|---:|---:|---:|---:|")
    for kind, n, size in (("rows", a.rows, ROW_BYTES_MSGPACK), ("chunks", a.chunks, CHUNK)):
        for system in ("graftcode", "grpcio"):
            t = best[(system, kind)]
            print(
                f"| {kind} | {system} | {n} | {t:.3f} | {n / t:,.0f} | {n * size / t / 1e6:,.1f} |"
            )
        ratio = best[("grpcio", kind)] / best[("graftcode", kind)]
        print(f"| {kind} | graftcode / grpcio | | | {ratio:.2f}x | |")


if __name__ == "__main__":
    main()
