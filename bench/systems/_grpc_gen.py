"""Compiles bench.proto with grpcio-tools into bench/.cache on first use (not committed)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from _main import BENCH

CACHE = BENCH / ".cache" / "grpc"


def load() -> tuple[ModuleType, ModuleType]:
    CACHE.mkdir(parents=True, exist_ok=True)
    if not (CACHE / "bench_pb2_grpc.py").exists():
        from grpc_tools import protoc

        rc = protoc.main(
            [
                "protoc",
                f"-I{BENCH}",
                f"--python_out={CACHE}",
                f"--grpc_python_out={CACHE}",
                str(BENCH / "bench.proto"),
            ]
        )
        if rc != 0:
            raise RuntimeError("protoc failed")
    if str(CACHE) not in sys.path:
        sys.path.insert(0, str(CACHE))
    return importlib.import_module("bench_pb2"), importlib.import_module("bench_pb2_grpc")
