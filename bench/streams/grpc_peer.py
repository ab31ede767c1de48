"""grpcio server streaming for bench/streams.py: `serve` prints READY <port>; `consume PORT
KIND N` prints the seconds it took to read N items."""

from __future__ import annotations

import importlib
import sys
import time
from concurrent import futures
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / ".cache" / "streams"


def load() -> tuple[Any, Any]:
    CACHE.mkdir(parents=True, exist_ok=True)
    if not (CACHE / "stream_bench_pb2_grpc.py").exists():
        from grpc_tools import protoc

        rc = protoc.main(
            ["protoc", f"-I{HERE}", f"--python_out={CACHE}", f"--grpc_python_out={CACHE}",
             str(HERE / "stream_bench.proto")]
        )  # fmt: skip
        if rc != 0:
            raise RuntimeError("protoc failed")
    sys.path.insert(0, str(CACHE))
    return importlib.import_module("stream_bench_pb2"), importlib.import_module(
        "stream_bench_pb2_grpc"
    )


OPTIONS = [
    ("grpc.max_send_message_length", 64 << 20),
    ("grpc.max_receive_message_length", 64 << 20),
]


def serve() -> None:
    import grpc

    sys.path.insert(0, str(HERE))
    import stream_service

    pb2, pb2_grpc = load()

    class Servicer(pb2_grpc.StreamBenchServicer):  # type: ignore[misc,name-defined]
        def Rows(self, req: Any, ctx: Any) -> Any:
            for r in stream_service.rows(req.n):
                yield pb2.Row(seq=r.seq, name=r.name, score=r.score, active=r.active)

        def Chunks(self, req: Any, ctx: Any) -> Any:
            for c in stream_service.chunks(req.n, req.size):
                yield pb2.Chunk(data=c)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=OPTIONS)
    pb2_grpc.add_StreamBenchServicer_to_server(Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"READY {port}", flush=True)
    server.wait_for_termination()


def consume(port: int, kind: str, n: int, size: int) -> float:
    import grpc

    pb2, pb2_grpc = load()
    with grpc.insecure_channel(f"127.0.0.1:{port}", options=OPTIONS) as channel:
        stub = pb2_grpc.StreamBenchStub(channel)
        list(stub.Rows(pb2.RowsRequest(n=10)))  # connect and warm up
        start = time.perf_counter()
        if kind == "rows":
            count = sum(1 for r in stub.Rows(pb2.RowsRequest(n=n)) if r.seq >= 0)
        else:
            count = sum(1 for c in stub.Chunks(pb2.ChunksRequest(n=n, size=size)) if c.data)
        elapsed = time.perf_counter() - start
    assert count == n
    return elapsed


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        print(consume(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
