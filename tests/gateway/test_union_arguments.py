"""The gateway checks union, literal and tuple arguments before the function runs: a value
matching no member (or an untagged one), a literal outside the set and a tuple of the wrong
length are INVALID_ARGUMENT, and the hosted function's side effect never happens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from graftcode_runtime import CallSpec, RemoteError, StatusCode, connect
from graftcode_runtime.client import Client

FIXTURE = Path(__file__).with_name("unionfixture.py")


@pytest.fixture
def client() -> Iterator[Client]:
    with connect(f"inmemory:{FIXTURE}") as c:
        yield c


def call(client: Client, member: str, *args: object, **kwargs: object) -> object:
    return client.invoke(CallSpec("call", "unionfixture", member, args, kwargs))


def test_tagged_members_literals_and_tuples_arrive_typed(client: Client) -> None:
    before = call(client, "calls")
    assert call(client, "pick", ["int", 3]) == ["int:kg:None", ["int", 3]]
    assert call(client, "pick", ["str", "x"], "lb", [1, "a"]) == [
        "str:lb:(1, 'a')",
        ["str", "x"],
    ]
    assert call(client, "calls") == before + 2


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((3,), "expected a tagged union value"),  # untagged
        ((["bool", True],), "'bool' is not a member of int | str"),
        ((["int", "x"],), "expected int, got str"),
        ((["int", 1], "oz"), 'expected one of "kg" | "lb"'),
        ((["int", 1], "kg", [1]), "expected tuple<int, str> (2 items), got 1 items"),
        ((["int", 1], "kg", [1, 2]), "[1]: expected str, got int"),
    ],
)
def test_bad_values_are_refused_before_the_function_runs(
    client: Client, args: tuple[object, ...], fragment: str
) -> None:
    before = call(client, "calls")  # the module stays imported between tests
    with pytest.raises(RemoteError) as info:
        call(client, "pick", *args)
    assert info.value.code == StatusCode.INVALID_ARGUMENT
    assert fragment in info.value.message
    assert call(client, "calls") == before
