"""grpcio's asyncio API (grpc.aio) on both sides; caller tasks share one channel."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from _grpc_gen import load
from _main import main, ready
from grpc_sync import OPTIONS, make_servicer
from measure import ECHO_SIZES, LEVELS, Settings, read_user

pb2, pb2_grpc = load()


def serve() -> None:
    async def run() -> None:
        server = grpc.aio.server(options=OPTIONS)
        pb2_grpc.add_BenchServicer_to_server(_AioServicer(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        ready(port)
        await server.wait_for_termination()

    asyncio.run(run())


class _AioServicer(pb2_grpc.BenchServicer):
    _sync = make_servicer()

    async def Add(self, req: Any, ctx: Any) -> Any:
        return self._sync.Add(req, ctx)

    async def Echo(self, req: Any, ctx: Any) -> Any:
        return self._sync.Echo(req, ctx)

    async def GetUser(self, req: Any, ctx: Any) -> Any:
        return self._sync.GetUser(req, ctx)


async def _measure(port: int, s: Settings) -> dict[str, Any]:
    # Same loops as measure.run_async, on asyncio (grpc.aio cannot run under trio).
    import time

    out: dict[str, Any] = {}
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=OPTIONS) as ch:
        stub = pb2_grpc.BenchStub(ch)
        add, echo, user = stub.Add, stub.Echo, stub.GetUser
        req = pb2.AddRequest(a=1, b=2)
        for _ in range(s.warmup_calls):
            await add(req)
        lat: list[int] = []
        now = time.perf_counter_ns
        t_start = now()
        for _ in range(s.seq_calls):
            t0 = now()
            await add(pb2.AddRequest(a=1, b=2))
            lat.append(now() - t0)
        total = (now() - t_start) / 1e9
        lat.sort()
        out["add_p50_us"] = lat[len(lat) // 2] / 1000
        out["add_p99_us"] = lat[int(len(lat) * 0.99)] / 1000
        out["add_seq_per_s"] = s.seq_calls / total
        for size in ECHO_SIZES:
            msg = pb2.EchoMessage(data=b"x" * size)
            n, t0f, deadline = 0, time.perf_counter(), time.perf_counter() + s.echo_seconds
            while time.perf_counter() < deadline:
                await echo(msg)
                n += 1
            rate = n / (time.perf_counter() - t0f)
            out[f"echo_{size}_per_s"] = rate
            out[f"echo_{size}_mb_s"] = rate * size / 1e6
        n, t0f, deadline = 0, time.perf_counter(), time.perf_counter() + s.user_seconds
        while time.perf_counter() < deadline:
            read_user(await user(pb2.UserRequest(id=n)))
            n += 1
        out["user_per_s"] = n / (time.perf_counter() - t0f)
        for level in LEVELS:
            counts = [0] * level
            state = {"counting": False, "stop": False}

            async def worker(i: int) -> None:
                while not state["stop"]:
                    await add(req)
                    if state["counting"]:
                        counts[i] += 1

            tasks = [asyncio.create_task(worker(i)) for i in range(level)]
            await asyncio.sleep(s.level_warmup)
            state["counting"] = True
            t0 = time.perf_counter()
            await asyncio.sleep(s.level_seconds)
            state["counting"] = False
            elapsed = time.perf_counter() - t0
            state["stop"] = True
            await asyncio.gather(*tasks)
            out[f"add_x{level}_per_s"] = sum(counts) / elapsed
    return out


def client(port: str, s: Settings) -> dict[str, Any]:
    return asyncio.run(_measure(int(port), s))


if __name__ == "__main__":
    main(serve, client)
