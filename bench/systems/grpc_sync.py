"""grpcio, synchronous: ThreadPoolExecutor(16) server, one shared channel for all caller threads."""

from __future__ import annotations

from concurrent import futures
from typing import Any

import grpc
import service
from _grpc_gen import load
from _main import main, ready
from measure import Settings, run_sync

pb2, pb2_grpc = load()


def make_servicer() -> Any:
    class Servicer(pb2_grpc.BenchServicer):
        def Add(self, req: Any, ctx: Any) -> Any:
            return pb2.AddReply(result=service.add(req.a, req.b))

        def Echo(self, req: Any, ctx: Any) -> Any:
            return pb2.EchoMessage(data=service.echo(req.data))

        def GetUser(self, req: Any, ctx: Any) -> Any:
            u = service.get_user(req.id)
            return pb2.User(
                id=u.id,
                name=u.name,
                email=u.email,
                score=u.score,
                active=u.active,
                tags=u.tags,
                counts=u.counts,
                address=pb2.Address(city=u.address.city, zip=u.address.zip) if u.address else None,
            )

    return Servicer()


OPTIONS = [
    ("grpc.max_send_message_length", 64 << 20),
    ("grpc.max_receive_message_length", 64 << 20),
]


def serve() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=OPTIONS)
    pb2_grpc.add_BenchServicer_to_server(make_servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    ready(port)
    server.wait_for_termination()


class GrpcCaller:
    def __init__(self, port: int) -> None:
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=OPTIONS)
        stub = pb2_grpc.BenchStub(self.channel)
        self._add, self._echo, self._user = stub.Add, stub.Echo, stub.GetUser

    def add(self, a: int, b: int) -> int:
        return int(self._add(pb2.AddRequest(a=a, b=b)).result)

    def echo(self, data: bytes) -> bytes:
        return bytes(self._echo(pb2.EchoMessage(data=data)).data)

    def get_user(self, id: int) -> Any:
        return self._user(pb2.UserRequest(id=id))

    def close(self) -> None:
        self.channel.close()


def client(port: str, s: Settings) -> dict[str, Any]:
    shared = GrpcCaller(int(port))
    return run_sync(lambda: shared, s, shared=True)


if __name__ == "__main__":
    main(serve, client)
