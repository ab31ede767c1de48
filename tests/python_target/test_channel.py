"""Channels without a network: metadata and timeouts reach the runtime client, interceptors run
in order, declared errors are mapped, garbage-collected instances are released later, and the
default channel follows `configure()`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import graftcode_runtime
import pytest
from graftcode_runtime import CallSpec, RemoteError, StatusCode, config
from graftcode_runtime.binding import CallContext, ClientInterceptor, ModuleBinding, Settings


class FakeClient:
    def __init__(self, url: str, **options: Any) -> None:
        self.url = url
        self.options = options
        self.calls: list[tuple[CallSpec, float | None, dict[str, str]]] = []
        self.released: list[int] = []
        self.closed = False
        self.fail_with: Exception | None = None
        on_connect = options.get("on_connect")
        if on_connect is not None:  # the fake "connects" at once: the channel's schema check
            on_connect(self)

    def invoke(
        self, spec: CallSpec, *, timeout: float | None = None, metadata: Any = None
    ) -> object:
        self.calls.append((spec, timeout, dict(metadata or {})))
        if self.fail_with is not None:
            raise self.fail_with
        return f"{spec.target}.{spec.member}"

    def release(self, instance_id: int) -> None:
        self.released.append(instance_id)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FakeClient]]:
    made: list[FakeClient] = []

    def connect(url: str, **options: Any) -> FakeClient:
        made.append(FakeClient(url, **options))
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
        return Declared(error.fields["why"])
    return None


BINDING = ModuleBinding(
    "demo", Settings(url="tcp://127.0.0.1:1", metadata={"from": "default"}), map_error=mapper
)


def test_invoke_passes_metadata_timeout_and_module(clients: list[FakeClient]) -> None:
    ch = BINDING.connect(timeout=5, metadata={"tenant": "a"})
    assert ch.invoke("call", "demo", "f", (1,), {"x": 2}) == "demo.f"
    (client,) = clients
    assert client.url == "tcp://127.0.0.1:1"
    assert client.options["module"] == "demo"
    spec, timeout, metadata = client.calls[0]
    assert (spec.kind, spec.target, spec.member, spec.args, dict(spec.kwargs)) == (
        "call",
        "demo",
        "f",
        (1,),
        {"x": 2},
    )
    assert timeout == 5.0
    assert metadata == {"tenant": "a"}  # explicit metadata replaces the default's

    view = ch.with_options(timeout=1, metadata={"trace": "t"})
    view.invoke("call", "demo", "g")
    assert clients[0].calls[-1][1:] == (1.0, {"tenant": "a", "trace": "t"})
    assert len(clients) == 1  # a view shares the connection


def test_interceptors_run_in_order_and_can_change_the_call(clients: list[FakeClient]) -> None:
    seen: list[str] = []

    class Auth(ClientInterceptor):
        def before_call(self, ctx: CallContext) -> None:
            seen.append("auth.before")
            ctx.metadata["authorization"] = "Bearer t"

        def after_call(self, ctx: CallContext, result: object) -> object:
            seen.append("auth.after")
            return f"{result}!"

    class Log(ClientInterceptor):
        def before_call(self, ctx: CallContext) -> None:
            seen.append(f"log.before {ctx.target}.{ctx.member} {sorted(ctx.metadata)}")

        def on_error(self, ctx: CallContext, error: BaseException) -> None:
            seen.append(f"log.error {type(error).__name__}")

    ch = BINDING.connect(interceptors=[Auth(), Log()])
    assert ch.invoke("call", "demo", "f") == "demo.f!"
    assert clients[0].calls[0][2]["authorization"] == "Bearer t"
    clients[0].fail_with = RemoteError(StatusCode.INTERNAL, "boom")
    with pytest.raises(RemoteError):
        ch.invoke("call", "demo", "f")
    assert seen == [
        "auth.before",
        "log.before demo.f ['authorization', 'from']",
        "auth.after",
        "auth.before",
        "log.before demo.f ['authorization', 'from']",
        "log.error RemoteError",
    ]


def test_declared_errors_are_mapped_and_unknown_ones_pass_through(
    clients: list[FakeClient],
) -> None:
    ch = BINDING.connect()
    ch.invoke("call", "demo", "f")
    remote = RemoteError(StatusCode.ABORTED, "no", type_name="Declared", fields={"why": "because"})
    clients[0].fail_with = remote
    with pytest.raises(Declared, match="because") as info:
        ch.invoke("call", "demo", "f")
    assert info.value.__cause__ is remote
    clients[0].fail_with = RemoteError(StatusCode.INTERNAL, "?", type_name="Other")
    with pytest.raises(RemoteError, match="Other"):
        ch.invoke("call", "demo", "f")


def test_released_later_on_the_next_call_and_on_close(clients: list[FakeClient]) -> None:
    ch = BINDING.connect()
    ch.invoke("call", "demo", "f")
    ch.release_later(7)
    ch.with_options(timeout=1).release_later(8)
    assert clients[0].released == []
    ch.invoke("call", "demo", "f")
    assert clients[0].released == [7, 8]
    ch.release_later(9)
    ch.close()
    assert clients[0].released == [7, 8, 9]
    assert clients[0].closed


def test_default_channel_follows_configure(clients: list[FakeClient]) -> None:
    ch = BINDING.default_channel()
    assert BINDING.default_channel() is ch
    ch.invoke("call", "demo", "f")
    BINDING.configure(url="tcp://127.0.0.1:2")
    ch.invoke("call", "demo", "f")
    assert [c.url for c in clients] == ["tcp://127.0.0.1:1", "tcp://127.0.0.1:2"]
    assert clients[0].closed
    assert BINDING.settings().sources["url"] == "configure()"


def test_dedicated_channel_ignores_later_configure(clients: list[FakeClient]) -> None:
    ch = BINDING.connect()
    ch.invoke("call", "demo", "f")
    BINDING.configure(url="tcp://127.0.0.1:3")
    ch.invoke("call", "demo", "f")
    assert len(clients) == 1


def test_a_different_schema_is_logged_once(
    clients: list[FakeClient], caplog: pytest.LogCaptureFixture
) -> None:
    binding = ModuleBinding(
        "demo", Settings(url="tcp://127.0.0.1:1"), version="1.0.0", schema_hash="a" * 64
    )
    FakeClient.schema_hash = "b" * 64  # type: ignore[attr-defined]
    FakeClient.version = "2.0.0"  # type: ignore[attr-defined]
    try:
        with caplog.at_level("WARNING", logger="graftcode.client"):
            binding.connect().invoke("call", "demo", "f")
            binding.connect().invoke("call", "demo", "f")
    finally:
        del FakeClient.schema_hash  # type: ignore[attr-defined]
        del FakeClient.version  # type: ignore[attr-defined]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "version 1.0.0 (schema aaaaaaaaaaaa)" in warnings[0]
    assert "version 2.0.0 (schema bbbbbbbbbbbb)" in warnings[0]


def test_a_lost_connection_reconnects_on_the_next_call(clients: list[FakeClient]) -> None:
    from graftcode_runtime import ConnectionLost

    ch = BINDING.connect()
    ch.invoke("call", "demo", "f")
    clients[0].fail_with = ConnectionLost("gone")
    with pytest.raises(ConnectionLost):
        ch.invoke("call", "demo", "f")  # not retried: the call may have run
    assert clients[0].closed
    assert ch.invoke("call", "demo", "f") == "demo.f"
    assert len(clients) == 2
