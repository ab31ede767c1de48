"""The generated client's short path (no interceptors): `Channel.invoke` hands the call to
`Client.invoke_wire` with the same timeout, metadata and arguments the CallSpec path passes,
and errors are mapped and lost connections dropped as before."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import graftcode_runtime
import pytest
from graftcode_runtime import ConnectionLost, RemoteError, StatusCode, config
from graftcode_runtime.binding import ModuleBinding, Settings


class WireClient:
    def __init__(self, url: str, **options: Any) -> None:
        self.url = url
        self.calls: list[tuple[Any, ...]] = []
        self.fail_with: Exception | None = None
        self.closed = False

    def invoke_wire(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        instance: int | None,
        timeout: float | None,
        metadata: Mapping[str, str] | None,
    ) -> object:
        self.calls.append(
            (
                kind,
                target,
                member,
                tuple(args),
                dict(kwargs),
                instance,
                timeout,
                dict(metadata or {}),
            )
        )
        if self.fail_with is not None:
            raise self.fail_with
        return f"{target}.{member}"

    def invoke(self, spec: Any, **kw: Any) -> object:
        raise AssertionError("the short path must not build a CallSpec")

    def release(self, instance_id: int) -> None:
        pass

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[WireClient]]:
    made: list[WireClient] = []

    def connect(url: str, **options: Any) -> WireClient:
        made.append(WireClient(url, **options))
        return made[-1]

    monkeypatch.setattr(graftcode_runtime, "connect", connect, raising=False)
    for key in [k for k in __import__("os").environ if k.startswith("GRAFT_")]:
        monkeypatch.delenv(key)
    config.reset()
    yield made
    config.reset()


class Declared(Exception):
    pass


def mapper(error: Exception) -> BaseException | None:
    if isinstance(error, RemoteError) and error.type_name == "Declared":
        return Declared("mapped")
    return None


BINDING = ModuleBinding(
    "demo", Settings(url="tcp://127.0.0.1:1", metadata={"from": "default"}), map_error=mapper
)


def test_short_path_passes_timeout_metadata_and_arguments(clients: list[WireClient]) -> None:
    ch = BINDING.connect(timeout=5, metadata={"tenant": "a"})
    assert ch.invoke("call", "demo", "f", (1,), {"x": 2}) == "demo.f"
    assert clients[0].calls[0] == ("call", "demo", "f", (1,), {"x": 2}, None, 5.0, {"tenant": "a"})

    view = ch.with_options(timeout=1, metadata={"trace": "t"})
    view.invoke("get", "Cart", "total", instance=7)
    assert clients[0].calls[-1] == (
        "get", "Cart", "total", (), {}, 7, 1.0, {"tenant": "a", "trace": "t"}
    )  # fmt: skip
    assert len(clients) == 1  # a view shares the connection


def test_short_path_maps_declared_errors_and_drops_a_lost_connection(
    clients: list[WireClient],
) -> None:
    ch = BINDING.connect()
    ch.invoke("call", "demo", "f")
    clients[0].fail_with = RemoteError(StatusCode.FAILED_PRECONDITION, "no", type_name="Declared")
    with pytest.raises(Declared):
        ch.invoke("call", "demo", "f")
    clients[0].fail_with = ConnectionLost("gone")
    with pytest.raises(ConnectionLost):
        ch.invoke("call", "demo", "f")
    assert clients[0].closed
    assert ch.invoke("call", "demo", "f") == "demo.f"  # the next call reconnects
    assert len(clients) == 2
