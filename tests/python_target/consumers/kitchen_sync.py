"""Calls every member of the generated `graft_kitchen` package, blocking.

Where the calls go is configuration only (GRAFT_KITCHEN_URL): the end-to-end tests run this
same file over TCP, WebSocket and in memory; the typed-consumer tests type-check it.
"""

from __future__ import annotations

import datetime
import decimal
import gc
import time
import uuid
import warnings

from graft_kitchen import (
    Burnt,
    Color,
    KitchenError,
    Oven,
    Point,
    Primitives,
    Shape,
    Size,
    kitchen,
)
from graftcode_runtime import RemoteError, StatusCode


def main() -> None:
    p = Primitives(
        flag=True,
        count=-3,
        ratio=0.25,
        text="héllo",
        blob=b"\x00\xff",
        day=datetime.date(2024, 2, 29),
        moment=datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        clock=datetime.time(12, 30),
        money=decimal.Decimal("9.99"),
        ident=uuid.UUID(int=1),
    )
    assert kitchen.roundtrip(p) == p
    described = kitchen.describe(
        True, 1, 2, "s", b"b", datetime.date(2020, 1, 1), decimal.Decimal("1.5"), uuid.UUID(int=2)
    )
    expected = "bool=True;int=1;float=2.0;str=s;bytes=b'b';date=2020-01-01;Decimal=1.5;UUID="
    assert described == expected + str(uuid.UUID(int=2)), described
    # a duration is exact to the microsecond both ways, negative ones and days included
    day = datetime.timedelta(days=1, microseconds=7)
    assert kitchen.stretch(day) == 2 * day
    assert kitchen.stretch(day, datetime.timedelta(microseconds=-8)) == datetime.timedelta(
        days=1, microseconds=-1
    )
    assert kitchen.stretch(datetime.timedelta(seconds=-1), 0.0) is None
    assert kitchen.maybe() is None
    assert kitchen.maybe(4) == 8
    shape = Shape("tri", [Point(1, 2), Point(3, 4, "c")], Color.GREEN, {"a": 1}, Size.LARGE)
    scaled = kitchen.scale(shape, 2)
    assert scaled == Shape(
        "tri", [Point(2, 4), Point(6, 8, "c")], Color.GREEN, {"a": 1}, Size.LARGE
    )
    assert kitchen.scale(Shape("empty", [])) == Shape("empty", [])
    assert kitchen.histogram([1, 1, 2]) == {1: 2, 2: 1}
    assert kitchen.matrix(2, 2) == [[0, 1], [2, 3]]
    assert kitchen.pick(3) == ("int:kg", 3)
    assert kitchen.pick("x", "lb", (1, "a")) == ("str:lb:1a", "x")
    assert kitchen.pick(Point(1, 2)) == ("Point:kg", Point(1, 2))
    assert kitchen.pick(0) == ("int:kg", None)
    assert kitchen.greet("ann") == "hello ann!"
    assert kitchen.greet("bob", "hi", punctuation="?") == "hi bob?"
    assert kitchen.find(7) == "any#7"
    assert kitchen.find(id_=7, type_="oven") == "oven#7"
    assert kitchen.cook("pie", 10) == "pie ready"
    try:
        kitchen.cook("pie", 45)
    except Burnt as e:
        assert (e.dish, e.minutes) == ("pie", 45)
        assert isinstance(e, KitchenError)
    else:
        raise AssertionError("cook did not raise Burnt")
    try:
        kitchen.crash("kaput")
    except RemoteError as e:
        assert e.code is StatusCode.INTERNAL  # the gateway does not leak undeclared errors
    else:
        raise AssertionError("crash did not raise RemoteError")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert kitchen.hello() == "hello"
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    kitchen.nothing()
    assert kitchen.with_options(metadata={"tenant": "acme"}).tenant() == "acme"
    assert kitchen.tenant() == ""

    with Oven(100, label="a") as oven:
        assert oven.heat(20) == 120
        assert oven.temperature == 120
        assert oven.label == "a"
        oven.label = "b"
        assert oven.label == "b"
        twin = oven.twin()
        assert (twin.temperature, twin.label) == (120, "b-twin")
        assert kitchen.same_temperature(oven, twin)
        twin.close()
    assert Oven.models() == ["convection", "steam"]
    try:
        oven.heat(1)  # released when the `with` block ended
    except RemoteError as released:
        assert released.code is StatusCode.FAILED_PRECONDITION
    else:
        raise AssertionError("a released proxy still called the gateway")

    label = f"dropped-{uuid.uuid4()}"
    dropped = Oven(label=label)
    assert kitchen.oven_alive(label)
    del dropped
    gc.collect()
    # the finalizer queued the release and the next call sends it; the gateway drops the
    # instance as it processes the release, so allow it a few calls to get there
    for _ in range(100):
        if not kitchen.oven_alive(label):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the garbage-collected proxy did not release its instance")
    print("OK sync")


if __name__ == "__main__":
    main()
