"""Gateway test fixtures: one gateway per test module, in a background thread, serving TCP,
WebSocket and HTTP on ephemeral ports; `open_client(transport, module)` gives a sync client."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from graftcode_runtime import Client, connect  # noqa: E402
from harness import GatewayThread, OpenClient  # noqa: E402

TRANSPORTS = ("tcp", "ws", "inmemory")


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayThread]:
    with GatewayThread(["gwfixture", "calculator", "shop"]) as gw:
        yield gw


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)




@pytest.fixture
def open_client(gateway: GatewayThread, transport: str) -> Iterator[OpenClient]:
    opened: list[Client] = []

    def factory(module: str = "gwfixture", **options: object) -> Client:
        client = connect(gateway.url(transport, module), module=module, **options)  # type: ignore[arg-type]
        opened.append(client)
        return client

    yield factory
    for c in opened:
        c.close()
