"""graftcode's generated blocking client over TCP, one connection per caller thread."""

from __future__ import annotations

import sys
from typing import Any

from _graft_gen import load
from _main import main
from measure import Settings, run_sync

graft_service = load()


class GraftCaller:
    def __init__(self, port: int) -> None:
        self.channel = graft_service.connect(f"tcp://127.0.0.1:{port}")
        client = graft_service.ServiceClient(self.channel)
        self.add, self.echo, self.get_user = client.add, client.echo, client.get_user

    def close(self) -> None:
        self.channel.close()


def serve() -> None:
    sys.exit("the graftcode server is `graftc serve` (see run.py)")


def client(port: str, s: Settings) -> dict[str, Any]:
    return run_sync(lambda: GraftCaller(int(port)), s)


if __name__ == "__main__":
    main(serve, client)
