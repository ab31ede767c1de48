"""Metadata keys are lowercased on the client, as HTTP/2 and gRPC do, before they are checked
and sent (docs/python-client.md, "Metadata"; issue 19): in the call table (what goes on the
wire), in the client's defaults, in a channel's layers, and as hosted code sees them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import graftcode_runtime
import pytest
import trio
from graftcode_runtime import StatusCode, config, connect, connect_async
from graftcode_runtime.binding import ModuleBinding, Settings
from graftcode_runtime.client._call_table import CallTable
from graftcode_runtime.protocol import InvalidValue
from harness import GatewayThread

from .test_call_table import call, opened, received


def sent_metadata(table: CallTable, server: Any, **kw: Any) -> Any:
    _, data = call(table, **kw)
    (message,) = received(server, data)
    return message.metadata


def test_keys_go_on_the_wire_lowercase() -> None:
    table, server = opened()
    md = sent_metadata(table, server, metadata={"X-User": "ann", "Trace.ID_2": b"\x01"})
    assert md == {"x-user": "ann", "trace.id_2": b"\x01"}


def test_a_call_key_overrides_the_defaults_whatever_its_case() -> None:
    table, server = opened()
    md = sent_metadata(
        table, server, defaults={"x-tenant": "a", "x-b": "1"}, metadata={"X-Tenant": "z"}
    )
    assert md == {"x-tenant": "z", "x-b": "1"}


def test_keys_differing_only_in_case_are_refused_naming_both() -> None:
    table, server = opened()
    before = table.next_id
    with pytest.raises(InvalidValue) as caught:
        call(table, metadata={"X-User": "ann", "x-user": "bob"})
    assert caught.value.code is StatusCode.INVALID_ARGUMENT
    assert "'X-User' and 'x-user' differ only in case" in str(caught.value)
    assert table.next_id == before and not table.waiting  # nothing registered or sent
    assert sent_metadata(table, server, metadata={"X-User": "ann"}) == {"x-user": "ann"}


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        ({"x user": "1"}, "ASCII letters"),
        ({"\u212aey": "1"}, "ASCII letters"),  # the Kelvin sign: str.lower() would make it "k"
        ({"": "1"}, "ASCII letters"),
        ({"Graft-Deadline": "1"}, "reserved"),
        ({"x-n": 1}, "values are str or bytes"),
    ],
)
def test_invalid_metadata_is_refused_before_sending(metadata: dict[str, Any], match: str) -> None:
    table, _ = opened()
    with pytest.raises(InvalidValue, match=match):
        call(table, metadata=metadata)
    assert not table.waiting


def test_the_clients_defaults_are_lowercased_and_checked_when_it_is_made() -> None:
    client = connect("tcp://127.0.0.1:9", lazy=True, metadata={"X-Tenant": "acme"})
    assert client.default_metadata == {"x-tenant": "acme"}
    client.close()
    with pytest.raises(InvalidValue, match="'A' and 'a' differ only in case"):
        connect("tcp://127.0.0.1:9", lazy=True, metadata={"A": "1", "a": "2"})


# ------------------------------------------------------------------------- channels' layers


class FakeClient:
    def __init__(self, url: str, **options: Any) -> None:
        self.metadata: list[dict[str, Any]] = []

    def invoke_wire(self, *args: Any) -> object:
        self.metadata.append(dict(args[-1] or {}))
        return None

    def release(self, instance_id: int) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FakeClient]]:
    made: list[FakeClient] = []

    def fake_connect(url: str, **options: Any) -> FakeClient:
        made.append(FakeClient(url, **options))
        return made[-1]

    monkeypatch.setattr(graftcode_runtime, "connect", fake_connect)
    for key in [k for k in __import__("os").environ if k.startswith("GRAFT_")]:
        monkeypatch.delenv(key)
    config.reset()
    yield made
    config.reset()


BINDING = ModuleBinding("demo", Settings(url="tcp://127.0.0.1:1"))


def test_channel_layers_are_lowercased_before_the_later_one_wins(
    fakes: list[FakeClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    ch = BINDING.connect(metadata={"X-Tenant": "acme", "X-Region": "eu"})
    ch.invoke("call", "demo", "f")
    ch.with_options(metadata={"x-region": "us", "X-User": "ann"}).invoke("call", "demo", "f")
    assert fakes[0].metadata == [
        {"x-tenant": "acme", "x-region": "eu"},
        {"x-tenant": "acme", "x-region": "us", "x-user": "ann"},
    ]
    with pytest.raises(InvalidValue, match=r"with_options\(metadata=...\): keys 'A' and 'a'"):
        ch.with_options(metadata={"A": "1", "a": "2"})

    monkeypatch.setenv("GRAFT_DEMO_METADATA", "X-From=env,x-from=env2")
    with pytest.raises(InvalidValue, match=r"metadata from \$GRAFT_DEMO_\*: keys 'X-From'"):
        BINDING.connect().invoke("call", "demo", "f")


# ------------------------------------------------------------------------- hosted code


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayThread]:
    with GatewayThread(["gwfixture"]) as gw:
        yield gw


@pytest.mark.parametrize("transport", ["tcp", "inmemory"])
def test_hosted_code_sees_lowercase_keys(gateway: GatewayThread, transport: str) -> None:
    with connect(
        gateway.url(transport), module="gwfixture", metadata={"X-Tenant": "acme"}
    ) as client:
        seen = client.call("whoami", _metadata={"X-User": "ann", "x-tenant": "other"})
    assert seen["x-user"] == "ann" and seen["x-tenant"] == "other"
    assert not [k for k in seen if k != k.lower()]


def test_hosted_code_sees_lowercase_keys_from_the_trio_client(gateway: GatewayThread) -> None:
    async def main() -> dict[str, str]:
        async with connect_async(
            gateway.url("tcp"), module="gwfixture", metadata={"X-Tenant": "acme"}
        ) as client:
            return await client.call("whoami", _metadata={"X-User": "ann"})  # type: ignore[no-any-return]

    seen = trio.run(main)
    assert seen["x-user"] == "ann" and seen["x-tenant"] == "acme"
