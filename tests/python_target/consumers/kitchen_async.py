"""Calls every member of the generated `graft_kitchen` package from trio.

Where the calls go is configuration only (GRAFT_KITCHEN_URL), as for kitchen_sync.py.
"""

from __future__ import annotations

import datetime
import decimal
import gc
import uuid

import graft_kitchen
import trio
from graft_kitchen import (
    AsyncKitchenClient,
    AsyncOven,
    Burnt,
    Color,
    Point,
    Primitives,
    Shape,
)
from graftcode_runtime import RemoteError, StatusCode


async def main() -> None:
    async with graft_kitchen.connect_async() as channel:
        kitchen = AsyncKitchenClient(channel)
        p = Primitives(
            flag=False,
            count=2**40,
            ratio=-1.5,
            text="",
            blob=b"",
            day=datetime.date(1999, 12, 31),
            moment=datetime.datetime(2024, 1, 2, 3, 4, 5),
            clock=datetime.time(0, 0, 1),
            money=decimal.Decimal("-0.01"),
            ident=uuid.UUID(int=3),
        )
        assert await kitchen.roundtrip(p) == p
        assert await kitchen.maybe(None) is None
        shape = Shape("line", [Point(1, 1)], Color.RED, {}, None)
        assert await kitchen.scale(shape, factor=3) == Shape("line", [Point(3, 3)])
        assert await kitchen.histogram([]) == {}
        assert await kitchen.matrix(1, 3) == [[0, 1, 2]]
        assert await kitchen.pick(2, "lb", (3, "b")) == ("int:lb:3b", 2)
        assert await kitchen.greet("cy", punctuation=".") == "hello cy."
        assert await kitchen.find(1, "x") == "x#1"
        try:
            await kitchen.cook("stew", 31)
        except Burnt as e:
            assert e.minutes == 31
        else:
            raise AssertionError("cook did not raise Burnt")
        try:
            await kitchen.crash("oops")
        except RemoteError as e:
            assert e.code is StatusCode.INTERNAL
        else:
            raise AssertionError("crash did not raise RemoteError")
        await kitchen.nothing()
        assert await kitchen.with_options(metadata={"tenant": "t2"}).tenant() == "t2"

        async with await AsyncOven.create(channel, 50, label="x") as oven:
            assert await oven.heat(5) == 55
            assert await oven.temperature == 55
            assert await oven.label == "x"
            await oven.set_label("y")
            assert await oven.label == "y"
            twin = await oven.twin()
            assert await twin.temperature == 55
            assert await kitchen.same_temperature(oven, twin)
            await twin.aclose()
        assert await AsyncOven.models(channel) == ["convection", "steam"]

        label = f"dropped-{uuid.uuid4()}"
        dropped = await AsyncOven.create(channel, label=label)
        assert await kitchen.oven_alive(label)
        del dropped
        gc.collect()
        for _ in range(100):  # see kitchen_sync.py
            if not await kitchen.oven_alive(label):
                break
            await trio.sleep(0.05)
        else:
            raise AssertionError("the garbage-collected proxy did not release its instance")
    print("OK async")


if __name__ == "__main__":
    trio.run(main)
