"""Every message kind, through the same test bodies over TCP, WebSocket and in memory."""

from __future__ import annotations

from decimal import Decimal

import pytest
from graftcode_runtime import CallSpec, RemoteError, RemoteObject, StatusCode
from harness import OpenClient


def test_handshake_reports_the_module(open_client: OpenClient) -> None:
    client = open_client("calculator")
    assert client.module == "calculator"
    assert client.version == "1.0.0"
    assert len(client.schema_hash) == 64


def test_static_functions(open_client: OpenClient) -> None:
    calc = open_client("calculator")
    assert calc.call("add", 1, 2) == 3
    assert calc.call("subtract", a=10, b=4) == 6
    assert calc.call("multiply", 1.5, 2) == 3.0
    assert calc.call("total", [1.0, 2.0], start=10.0) == 13.0
    assert calc.call("total", [1.0, 2.0]) == 3.0  # omitted keyword: the declared default


def test_invoke_is_the_low_level_call(open_client: OpenClient) -> None:
    calc = open_client("calculator")
    assert calc.invoke(CallSpec("call", "calculator", "add", (2, 3), {})) == 5


def test_parameter_kinds_and_defaults(open_client: OpenClient) -> None:
    c = open_client()
    assert c.call("greet", "ann") == "hello ann!"
    assert c.call("greet", "ann", "hi", punctuation="?") == "hi ann?"
    assert c.call("greet", "ann", greeting="yo") == "yo ann!"
    with pytest.raises(RemoteError, match="positional-only"):
        c.call("greet", name="ann")


def test_declared_error_comes_back_typed(open_client: OpenClient) -> None:
    calc = open_client("calculator")
    with pytest.raises(RemoteError) as info:
        calc.call("divide", 1.0, 0.0)
    e = info.value
    assert e.type_name == "DivisionByZero"
    assert e.fields == {"dividend": 1.0}
    assert "cannot divide" in e.message
    assert e.remote_traceback is None
    c = open_client()
    with pytest.raises(RemoteError) as info2:
        c.call("withdraw", 5, 7)
    assert info2.value.type_name == "Overdrawn"
    assert info2.value.fields == {"balance": 5, "wanted": 7}


def test_undeclared_exception_is_internal_and_leaks_nothing(open_client: OpenClient) -> None:
    c = open_client()
    with pytest.raises(RemoteError) as info:
        c.call("crash", "secret detail")
    assert info.value.code == StatusCode.INTERNAL
    assert info.value.type_name is None
    assert info.value.message == "internal error in gwfixture.crash"
    assert info.value.remote_traceback is None
    assert c.call("echo", "still serving") == "still serving"


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "fragment"),
    [
        ("add", (1,), {}, "missing required argument"),
        ("add", (1, 2, 3), {}, "takes 2 positional arguments but 3 were given"),
        ("add", (1, "two"), {}, "'b'"),
        ("add", (1,), {"c": 2}, "unexpected keyword argument 'c'"),
        ("add", (1, 2), {"a": 1}, "multiple values for argument 'a'"),
        ("total", (["x"],), {}, "values"),
    ],
)
def test_bad_arguments_are_invalid_argument(
    open_client: OpenClient,
    name: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    fragment: str,
) -> None:
    calc = open_client("calculator")
    with pytest.raises(RemoteError) as info:
        calc.call(name, *args, **kwargs)
    assert info.value.code == StatusCode.INVALID_ARGUMENT
    assert fragment in info.value.message


def test_unknown_members_are_not_found(open_client: OpenClient) -> None:
    calc = open_client("calculator")
    for spec, fragment in [
        (CallSpec("call", "calculator", "nope", (), {}), "'nope'"),
        (CallSpec("call", "os", "system", ("true",), {}), "'os'"),
        (CallSpec("call", "calculator", "__import__", ("os",), {}), "'__import__'"),
        (CallSpec("new", "DivisionByZero", "", (1.0,), {}), "DivisionByZero"),
        (CallSpec("call", "Accumulator", "_value", (), {}), "'_value'"),
    ]:
        with pytest.raises(RemoteError) as info:
            calc.invoke(spec)
        assert info.value.code == StatusCode.NOT_FOUND, spec
        assert fragment in info.value.message


def test_instances_methods_properties_and_release(open_client: OpenClient) -> None:
    calc = open_client("calculator")
    acc = calc.new("Accumulator", 10.0)
    assert isinstance(acc, RemoteObject)
    assert acc.call("add", 5.0) == 15.0
    assert acc.get("value") == 15.0
    assert acc.get("label") == "acc"
    acc.set("label", "mine")
    assert acc.get("label") == "mine"
    with pytest.raises(RemoteError) as info:
        acc.set("value", 3.0)
    assert info.value.code == StatusCode.PERMISSION_DENIED
    assert calc.call("Accumulator.describe") == "a running total"
    acc.release()
    with pytest.raises(RemoteError) as info:
        calc.invoke(CallSpec("call", "Accumulator", "add", (1.0,), {}, acc.id))
    assert info.value.code == StatusCode.NOT_FOUND


def test_each_instance_keeps_its_own_state(open_client: OpenClient) -> None:
    calc = open_client("calculator")
    with calc.new("Accumulator") as a, calc.new("Accumulator", 100.0) as b:
        a.call("add", 1.0)
        b.call("add", 1.0)
        assert (a.get("value"), b.get("value")) == (1.0, 101.0)


def test_instances_belong_to_their_connection(open_client: OpenClient) -> None:
    one = open_client("calculator")
    two = open_client("calculator")
    acc = one.new("Accumulator")
    with pytest.raises(RemoteError) as info:
        two.invoke(CallSpec("get", "Accumulator", "value", (), {}, acc.id))
    assert info.value.code == StatusCode.NOT_FOUND


def test_methods_returning_instances(open_client: OpenClient) -> None:
    c = open_client()
    counter = c.new("Counter", 5)
    counter.call("increment", by=2)
    twin = counter.call("twin")
    assert isinstance(twin, RemoteObject) and twin.id != counter.id
    assert twin.get("value") == 7
    assert c.call("Counter.kind") == "counter"


def test_shop_records_enums_decimals_and_async(open_client: OpenClient) -> None:
    shop = open_client("shop")
    product = shop.call("get_product", "B-2")
    assert product["name"] == "Piranesi"
    assert product["category"] == "books"
    assert Decimal(product["price"]) == Decimal("12.50")
    books = shop.call("list_products", "books", limit=1)
    assert len(books) == 1
    assert Decimal(shop.call("price_of", "B-1", 2)) == Decimal("19.98")
    with pytest.raises(RemoteError) as info:
        shop.call("get_product", "nope")
    assert info.value.type_name == "NotFound"
    assert info.value.fields == {"sku": "nope"}
    with pytest.raises(RemoteError) as info:
        shop.call("list_products", "food")
    assert info.value.code == StatusCode.INVALID_ARGUMENT


def test_shop_cart(open_client: OpenClient) -> None:
    shop = open_client("shop")
    with shop.new("Cart", "ann") as cart:
        assert cart.call("add", "B-1", 2) == 2
        cart.set("note", "gift")
        assert cart.get("note") == "gift"
        with pytest.raises(RemoteError) as info:
            cart.call("add", "G-1", 5)
        assert info.value.type_name == "OutOfStock"
        assert info.value.fields == {"sku": "G-1", "requested": 5, "available": 1}
        order = cart.call("checkout", note="thanks")
        assert order["customer"] == "ann" and order["status"] == 1
        assert order["items"][0]["sku"] == "B-1"
    other = shop.call("Cart.with_items", "bob", {"B-2": 1})
    assert isinstance(other, RemoteObject)
    assert Decimal(other.get("total")) == Decimal("12.50")
    other.release()


def test_async_members_run_on_asyncio(open_client: OpenClient) -> None:
    c = open_client()
    assert c.call("delayed_async", 7, 0.01) == 7


def test_metadata_and_context_reach_hosted_code(open_client: OpenClient) -> None:
    tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    c = open_client(metadata={"user": "ann"})
    seen = c.call("whoami", _metadata={"traceparent": tp}, _timeout=30)
    assert seen["user"] == "ann"
    assert seen["traceparent"] == tp
    assert seen["has_deadline"] == "yes"
    assert seen["peer"]


def test_metadata_and_traceparent_reach_async_members(open_client: OpenClient) -> None:
    tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    c = open_client(metadata={"user": "ann"})
    seen = c.call("whoami_async", _metadata={"traceparent": tp, "tracestate": "k=v"})
    assert seen["user"] == "ann" and seen["tracestate"] == "k=v"
    assert seen["traceparent"] == seen["traceparent_attr"] == tp
    assert seen["loop"].startswith("asyncio")  # asyncio-written code runs on asyncio, not trio


def test_bytes_round_trip(open_client: OpenClient) -> None:
    c = open_client()
    blob = bytes(range(256)) * 40
    assert c.call("echo_bytes", blob) == blob


def test_result_too_large_for_the_client_is_an_error_not_a_broken_connection(
    open_client: OpenClient,
) -> None:
    # The client announces 8 KiB; a larger RESULT must become ERROR RESOURCE_EXHAUSTED for that
    # call (docs/protocol.md section 8), and the connection must stay usable.
    c = open_client(max_message_size=8192)
    assert len(c.call("echo_bytes", b"x" * 6000)) == 6000
    with pytest.raises(RemoteError) as info:
        c.call("echo_bytes", b"x" * 20000)
    assert info.value.code is StatusCode.RESOURCE_EXHAUSTED
    assert c.call("echo", "still open") == "still open"


def test_release_of_unknown_instance_is_harmless(open_client: OpenClient) -> None:
    c = open_client()
    c.release(987654)
    assert c.call("echo", "ok") == "ok"


def test_one_proxy_per_instance_and_collected_proxies_are_released(open_client: OpenClient) -> None:
    import gc

    c = open_client()
    watcher = open_client()
    base = watcher.call("live_counters")
    counter = c.new("Counter", 1)
    assert counter.call("twin") is not counter
    same = c.proxies.get(counter.ref, type(counter))
    assert same is counter  # one live proxy per id
    del counter, same
    gc.collect()
    c.call("echo", "flush")  # the queued RELEASE goes out before this call
    for _ in range(100):
        if watcher.call("live_counters") == base:
            break
    assert watcher.call("live_counters") == base
