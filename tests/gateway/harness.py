"""The gateway tests' gateway thread: `graftcode_runtime.testing.GatewayThread`, whose in-memory
URL names the fixture module unless a test names another."""

from __future__ import annotations

from collections.abc import Callable

from graftcode_runtime import Client
from graftcode_runtime.testing import GatewayThread as _GatewayThread


class GatewayThread(_GatewayThread):
    def url(self, transport: str, module: str | None = "gwfixture") -> str:
        return super().url(transport, module)

# what the `open_client` fixture gives: open_client(transport, module) -> a sync client
OpenClient = Callable[..., Client]
