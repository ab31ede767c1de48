"""Pyro5 with its msgpack serializer (its fastest), thread server, one proxy per caller thread."""

from __future__ import annotations

from typing import Any

import Pyro5
import Pyro5.api
import service
from _main import main, ready
from measure import Settings, run_sync

Pyro5.config.SERIALIZER = "msgpack"
Pyro5.config.SERVERTYPE = "thread"
Pyro5.config.THREADPOOL_SIZE = 128


@Pyro5.api.expose
class Bench:
    def add(self, a: int, b: int) -> int:
        return service.add(a, b)

    def echo(self, data: bytes) -> bytes:
        return service.echo(data)

    def get_user(self, id: int) -> dict[str, object]:
        return service._user_dict(id)


def serve() -> None:
    daemon = Pyro5.api.Daemon(host="127.0.0.1", port=0)
    daemon.register(Bench, objectId="bench")
    ready(int(daemon.locationStr.rsplit(":", 1)[1]))
    daemon.requestLoop()


class PyroCaller:
    def __init__(self, port: int) -> None:
        self.proxy = Pyro5.api.Proxy(f"PYRO:bench@127.0.0.1:{port}")
        self.proxy._pyroBind()
        self._add, self._echo, self._user = self.proxy.add, self.proxy.echo, self.proxy.get_user

    def add(self, a: int, b: int) -> int:
        return int(self._add(a, b))

    def echo(self, data: bytes) -> bytes:
        return bytes(self._echo(data))

    def get_user(self, id: int) -> Any:
        return self._user(id)

    def close(self) -> None:
        self.proxy._pyroRelease()


def client(port: str, s: Settings) -> dict[str, Any]:
    return run_sync(lambda: PyroCaller(int(port)), s)


if __name__ == "__main__":
    main(serve, client)
