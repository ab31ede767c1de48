"""Shapes of the generated signatures, as mypy sees them (checked by test_typed_consumer)."""

from __future__ import annotations

from typing import reveal_type

from graft_kitchen import AsyncKitchenClient, AsyncOven, Oven, Shape, kitchen


async def shapes(client: AsyncKitchenClient, oven: AsyncOven) -> None:
    reveal_type(kitchen.greet)
    reveal_type(kitchen.find)
    reveal_type(kitchen.scale)
    reveal_type(kitchen.maybe(1))
    reveal_type(kitchen.matrix(1, 1))
    reveal_type(kitchen.histogram([1]))
    reveal_type(Oven.__init__)
    reveal_type(Oven.models)
    reveal_type(Oven(1).twin())
    reveal_type(Oven(1).temperature)
    reveal_type(client.greet)
    reveal_type(AsyncOven.create)
    reveal_type(oven.temperature)
    reveal_type(await oven.temperature)
    reveal_type(Shape.__init__)
    reveal_type(kitchen.pick)
    kitchen.hello()  # deprecated: flagged when mypy runs with --enable-error-code deprecated
