"""Client CPU per call of bare trio clients against graftcode's trio client: what the trio
client's design costs beyond trio itself.

    .venv/bin/python bench/trio_bare.py [--calls N] [--rounds R] [--cpu C] [--before DIR]

One `graftc serve` of bench/service.py and one client process, both pinned to CPU C. The client
runs each variant in its own `trio.run` and connection, rounds interleaved, and reports the
median µs of client CPU (`time.process_time`) per sequential `add(1, 2)`:

- `bare-single`: one task writes the CALL frame (msgpack, length prefix) on a trio socket and
  reads the RESULT frame itself; the least a trio client can cost.
- `bare-lean`: the same with the socket's own calls: a non-blocking write, then
  `wait_readable` and one `recv` (no failed read first, no checkpoint after the write).
- `bare-event`: a reader task reads frames and wakes the caller through a `trio.Event` per
  call (the shape of a client that lets many tasks share one connection).
- `bare-resched`: the same reader task, waking the parked caller with `reschedule`.
- `graftcode-trio`: the generated async client (`connect_async`, `AsyncServiceClient.add`);
  `graftcode-trio@before`: the same from the `--before` checkout.

The bare clients skip everything but framing and msgpack (no call table, no checks, no
metadata); they are here only to be compared with, never used elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
VARIANTS = ("bare-single", "bare-lean", "bare-event", "bare-resched", "graftcode-trio")
_LEN = struct.Struct(">I")


def _hello() -> bytes:
    from graftcode_runtime.client._call_table import new_hello
    from graftcode_runtime.protocol._connection import Connection, Role

    return Connection(Role.CLIENT).send(new_hello("service", "", None, None))


def _call(call_id: int) -> bytes:
    import msgpack

    body = msgpack.packb([1, call_id, 0, "service", "add", None, [], {"a": 1, "b": 2}, None, None])
    return _LEN.pack(len(body)) + body


class _Frames:
    """Length-prefixed frames out of what the socket gave."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> list[Any]:
        import msgpack

        buf = self.buf + data
        out = []
        while len(buf) >= 4:
            (n,) = _LEN.unpack_from(buf)
            if len(buf) < 4 + n:
                break
            out.append(msgpack.unpackb(buf[4 : 4 + n]))
            buf = buf[4 + n :]
        self.buf = buf
        return out


async def _connected(port: int) -> Any:
    import trio

    sock = trio.socket.socket()
    await sock.connect(("127.0.0.1", port))
    sock.setsockopt(trio.socket.IPPROTO_TCP, trio.socket.TCP_NODELAY, 1)
    return sock


async def _timed(one: Callable[[int, bytes], Awaitable[Any]], calls: int) -> float:
    """The HELLO, a tenth of `calls` to warm up, then `calls` timed: seconds of CPU."""
    await one(0, _hello())
    for i in range(1, calls // 10 + 1):
        await one(i, _call(i))
    t0 = time.process_time()
    for i in range(calls, 2 * calls):
        await one(i, _call(i))
    return time.process_time() - t0


async def _bare_single(port: int, calls: int) -> float:
    sock = await _connected(port)
    frames = _Frames()

    async def one(call_id: int, data: bytes) -> Any:
        await sock.send(data)
        while True:
            got = frames.feed(await sock.recv(65536))
            if got:
                return got[0]

    with sock:
        return await _timed(one, calls)


async def _bare_lean(port: int, calls: int) -> float:
    from trio.lowlevel import wait_readable

    sock = await _connected(port)
    raw = sock._sock
    frames = _Frames()

    async def one(call_id: int, data: bytes) -> Any:
        raw.send(data)
        while True:
            await wait_readable(raw)
            got = frames.feed(raw.recv(65536))
            if got:
                return got[0]

    with sock:
        return await _timed(one, calls)


async def _bare_reader(port: int, calls: int, resched: bool) -> float:
    import trio
    from trio.lowlevel import Abort, current_task, reschedule, wait_task_rescheduled

    sock = await _connected(port)
    frames = _Frames()
    waiting: dict[int, Any] = {}
    answers: dict[int, Any] = {}

    async def reader() -> None:
        while True:
            for msg in frames.feed(await sock.recv(65536)):
                key = 0 if msg[0] == 0 else msg[1]
                answers[key] = msg
                w = waiting.pop(key, None)
                if w is None:
                    continue
                if resched:
                    reschedule(w)
                else:
                    w.set()

    async def one(call_id: int, data: bytes) -> Any:
        await sock.send(data)
        if call_id not in answers:
            if resched:
                waiting[call_id] = current_task()
                await wait_task_rescheduled(lambda _: Abort.SUCCEEDED)
            else:
                event = waiting[call_id] = trio.Event()
                await event.wait()
        return answers.pop(call_id)

    with sock:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(reader)
            spent = await _timed(one, calls)
            nursery.cancel_scope.cancel()
    return spent


async def _graftcode(port: int, calls: int) -> float:
    from _graft_gen import load

    service = load()
    async with service.connect_async(f"tcp://127.0.0.1:{port}") as channel:
        client = service.AsyncServiceClient(channel)
        for _ in range(calls // 10):
            await client.add(1, 2)
        t0 = time.process_time()
        for _ in range(calls):
            await client.add(1, 2)
        return time.process_time() - t0


def client_main(variant: str, port: int, calls: int) -> None:
    import trio

    runs: dict[str, Callable[[], Awaitable[float]]] = {
        "bare-single": lambda: _bare_single(port, calls),
        "bare-lean": lambda: _bare_lean(port, calls),
        "bare-event": lambda: _bare_reader(port, calls, resched=False),
        "bare-resched": lambda: _bare_reader(port, calls, resched=True),
        "graftcode-trio": lambda: _graftcode(port, calls),
    }
    run = runs[variant]

    async def main() -> float:
        return await run()

    print(json.dumps(trio.run(main) / calls * 1e6), flush=True)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    sys.path[:0] = [str(BENCH), str(BENCH / "systems")]
    from run import SYSTEMS, run_server

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    for flag, default in (("--calls", 5000), ("--rounds", 3), ("--cpu", 0)):
        ap.add_argument(flag, type=int, default=default)
    ap.add_argument("--before", type=Path, help="another checkout: its trio client runs too")
    args = ap.parse_args()
    variants = list(VARIANTS) + (["graftcode-trio@before"] if args.before else [])
    spec = next(s for s in SYSTEMS if s.name == "graftcode-trio")
    pin = ["taskset", "-c", str(args.cpu)]
    rows: dict[str, list[float]] = {v: [] for v in variants}
    with run_server(spec, prefix=pin) as (_server, port, env):
        for _ in range(args.rounds):
            for variant in variants:
                run_env, name = env, variant
                if variant.endswith("@before"):
                    name = variant.removesuffix("@before")
                    tree = args.before
                    path = [tree / "runtime/python", tree / "compiler", tree / "bench"]
                    path += [tree / "bench/systems"]
                    run_env = dict(env, PYTHONPATH=os.pathsep.join(map(str, path)))
                out = subprocess.run(
                    [*pin, sys.executable, __file__, "--client", name, port, str(args.calls)],
                    capture_output=True,
                    text=True,
                    env=run_env,
                    cwd=BENCH,
                    check=True,
                )
                rows[variant].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("| client | µs of client CPU per `add` (median) | runs |")
    print("|---|---|---|")
    for variant, values in rows.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"| {variant} | {statistics.median(values):.1f} | {runs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
