"""Channels retry members marked @idempotent (the binding's `idempotent` list, generated from
the IDL) after UNAVAILABLE, per the retry settings; everything else is called once. No
network: the runtime client is a fake that fails a given number of times."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graftcode_runtime
import pytest
from graftcode_runtime import CallSpec, ConnectionLost, RemoteError, RetryPolicy, StatusCode, config
from graftcode_runtime.binding import ModuleBinding, Settings


class FlakyClient:
    """Fails its first `failures` calls with `error`, then answers."""

    failures = 0
    error: Exception = ConnectionLost("connection lost")
    reconnects = True  # as the runtime's clients do: the channel keeps it

    def __init__(self, url: str, **options: Any) -> None:
        self.timeouts: list[float | None] = []

    def invoke(self, spec: CallSpec, *, timeout: float | None = None, metadata: Any = None) -> str:
        self.timeouts.append(timeout)
        if len(self.timeouts) <= self.failures:
            raise self.error
        return spec.member

    def close(self) -> None:
        pass


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FlakyClient]]:
    out: list[FlakyClient] = []

    def connect(url: str, **options: Any) -> FlakyClient:
        out.append(FlakyClient(url, **options))
        return out[-1]

    monkeypatch.setattr(graftcode_runtime, "connect", connect, raising=False)
    for key in [k for k in __import__("os").environ if k.startswith("GRAFT_")]:
        monkeypatch.delenv(key)
    config.reset()
    yield out
    config.reset()


def binding(**settings: Any) -> ModuleBinding:
    return ModuleBinding(
        "inv", Settings(url="tcp://127.0.0.1:1", **settings), idempotent=[("inv", "get")]
    )


def test_an_idempotent_member_is_retried_and_others_are_not(
    made: list[FlakyClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FlakyClient, "failures", 2)
    ch = binding(retry_backoff=0.0).connect(timeout=30)
    assert ch.invoke("call", "inv", "get") == "get"
    (client,) = made
    assert len(client.timeouts) == 3  # two failures, then the answer
    # each attempt gets what is left of the one deadline
    assert all(t is not None and t <= 30 for t in client.timeouts)
    client.timeouts.clear()
    with pytest.raises(ConnectionLost):
        ch.invoke("call", "inv", "put")  # may have run: never resent
    assert len(client.timeouts) == 1


def test_only_unavailable_is_retried(
    made: list[FlakyClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FlakyClient, "failures", 1)
    monkeypatch.setattr(FlakyClient, "error", RemoteError(StatusCode.INVALID_ARGUMENT, "bad"))
    ch = binding(retry_backoff=0.0).connect()
    with pytest.raises(RemoteError):
        ch.invoke("call", "inv", "get")
    assert len(made[0].timeouts) == 1


def test_attempts_come_from_code_environment_and_file(
    made: list[FlakyClient], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(FlakyClient, "failures", 5)
    b = binding(retry_backoff=0.0)
    monkeypatch.setenv("GRAFT_INV_RETRY_ATTEMPTS", "1")  # 1: never retry
    with pytest.raises(ConnectionLost):
        b.connect().invoke("call", "inv", "get")
    assert len(made[-1].timeouts) == 1
    b.configure(retry_attempts=2)  # code beats the environment
    with pytest.raises(ConnectionLost):
        b.connect().invoke("call", "inv", "get")
    assert len(made[-1].timeouts) == 2
    monkeypatch.delenv("GRAFT_INV_RETRY_ATTEMPTS")
    config.reset()
    toml = tmp_path / "graftcode.toml"
    toml.write_text("[modules.inv]\nretry_attempts = 4\nretry_max_backoff = 0.5\n")
    r = config.resolve("inv", explicit=Settings(url="tcp://x:1"), config_file=toml)
    assert r.retry == RetryPolicy(max_attempts=4, max_backoff=0.5)
    assert r.sources["retry_attempts"] == r.sources["retry_max_backoff"]


def test_bad_retry_settings_name_their_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAFT_INV_RETRY_ATTEMPTS", "0")
    with pytest.raises(config.ConfigError, match=r"\$GRAFT_INV_RETRY_ATTEMPTS.*>= 1"):
        config.resolve("inv", explicit=Settings(url="tcp://x:1"))
    monkeypatch.setenv("GRAFT_INV_RETRY_ATTEMPTS", "2")
    monkeypatch.setenv("GRAFT_RETRY_BACKOFF", "soon")
    with pytest.raises(config.ConfigError, match=r"\$GRAFT_RETRY_BACKOFF"):
        config.resolve("inv", explicit=Settings(url="tcp://x:1"))


def test_the_trio_channel_retries_an_idempotent_member(made: list[FlakyClient]) -> None:
    import trio
    from graftcode_runtime.binding import AsyncChannel

    class AsyncFlaky(FlakyClient):
        failures = 2

        async def invoke(  # type: ignore[override]
            self, spec: CallSpec, *, timeout: float | None = None, metadata: Any = None
        ) -> str:
            return FlakyClient.invoke(self, spec, timeout=timeout, metadata=metadata)

    b = binding(retry_backoff=0.0)
    client = AsyncFlaky("tcp://127.0.0.1:1")
    channel = AsyncChannel(b, client, b.resolve())  # type: ignore[arg-type]

    async def main() -> tuple[object, object]:
        got = await channel.invoke("call", "inv", "get")
        with pytest.raises(ConnectionLost):
            await AsyncChannel(b, AsyncFlaky("x"), b.resolve()).invoke("call", "inv", "put")  # type: ignore[arg-type]
        return got, len(client.timeouts)

    assert trio.run(main) == ("get", 3)
