"""The receive depth check: the level-by-level walk gives the recursive definition's answer, and
the byte count that lets most messages skip the walk never skips a message that is too deep."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
from graftcode_runtime.protocol._codec import Decoder, _may_nest, _too_deep
from graftcode_runtime.protocol._errors import RemoteProtocolError
from graftcode_runtime.protocol._limits import Limits
from hypothesis import given
from hypothesis import strategies as st

values = st.recursive(
    st.none()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(max_size=4)
    | st.binary(max_size=4)
    | st.floats(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=40,
)


def _reference(obj: Any, budget: int) -> bool:
    if budget <= 0:
        return True
    items = obj if type(obj) is list else obj.values() if type(obj) is dict else ()
    return any(type(x) in (list, dict) and _reference(x, budget - 1) for x in items)


def _depth(obj: Any) -> int:
    items = obj if type(obj) is list else obj.values() if type(obj) is dict else None
    return 0 if items is None else 1 + max((_depth(x) for x in items), default=0)


@given(values, st.integers(min_value=0, max_value=12))
def test_walk_matches_the_recursive_definition(obj: Any, budget: int) -> None:
    assert _too_deep(obj, budget) == _reference(obj, budget)


@given(values, st.integers(min_value=0, max_value=12))
def test_the_byte_count_never_skips_a_deep_message(obj: Any, budget: int) -> None:
    payload = msgpack.packb(obj)
    if _depth(obj) > budget:
        assert _may_nest(payload, budget)


def test_a_flat_record_skips_the_walk_and_text_that_looks_like_containers_does_not() -> None:
    record = {"id": 1, "name": "ann", "tags": ["a", "b"], "counts": {"x": 1}}
    assert not _may_nest(msgpack.packb([3, 1, None, record]), 64)
    assert _may_nest(msgpack.packb(["€" * 100]), 64)  # UTF-8 continuation bytes count


def test_large_payloads_are_walked_not_counted_and_deep_ones_still_refused() -> None:
    # above a few KiB the count costs more than the walk: such payloads always reach the walk
    flat = msgpack.packb([3, 1, None, {"data": b"x" * 60_000}])
    assert _may_nest(flat, 64)
    assert not _too_deep(msgpack.unpackb(flat), 64)
    deep: Any = b"x" * 60_000
    for _ in range(70):
        deep = [deep]
    decoder = Decoder(Limits())
    assert decoder.unpack(flat)[3]["data"] == b"x" * 60_000
    with pytest.raises(RemoteProtocolError, match="deeper"):
        decoder.unpack(msgpack.packb(deep))
