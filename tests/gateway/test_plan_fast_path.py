"""A plain call binds its arguments and encodes its result through what its plan caches
(`_Plan.binder`, `_Plan.encode`): the answers and the errors must be exactly those of the
codec's own `args_from_wire` / `to_wire`, which the same plan without its cache takes."""

from __future__ import annotations

import dataclasses
from typing import Any

import planfix
import pytest
from graftcode_runtime.gateway._dispatch import Dispatcher
from graftcode_runtime.gateway._hosting import host_module
from graftcode_runtime.protocol import Call, InstanceTable, Op, RemoteError

_DEEP: Any = {"label": "leaf", "children": []}
for _ in range(5000):
    _DEEP = {"label": "n", "children": [_DEEP]}

CASES: list[tuple[str, list[Any], dict[str, Any]]] = [
    ("add", [1, 2], {}),
    ("add", [1, "2"], {}),
    ("add", [1], {}),
    ("add", [1, 2, 3], {}),
    ("add", [1], {"b": 2}),
    ("add", [1, 2], {"c": 3}),
    ("add", [2**63, 1], {}),
    ("greet", ["ann"], {}),
    ("greet", ["ann"], {"punctuation": "?"}),
    ("greet", [], {"name": "ann"}),
    ("greet", ["ann", "hi", "!"], {}),
    ("depth", [{"label": "a", "children": [{"label": "b", "children": []}]}], {}),
    ("depth", [_DEEP], {}),
    ("depth", [{"label": 1}], {}),
    ("wrong", [], {}),
]


def _outcome(d: Dispatcher, member: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """What the caller would get: the wire value, or the error's code and message."""
    instances = InstanceTable(16)
    call = Call(1, Op.CALL, "", member, args=args, kwargs=kwargs)
    job = d.prepare(call, instances, "peer", None, 0.0)
    try:
        value = job.start()
    except Exception as e:
        error = job.failure(e, instances)
        return (error.code, error.message)
    try:
        return ("ok", job.to_wire(value, instances))
    except RemoteError as e:
        return (e.code, e.message)


@pytest.mark.parametrize(("member", "args", "kwargs"), CASES)
def test_the_cached_path_answers_as_the_codec_does(
    member: str, args: list[Any], kwargs: dict[str, Any]
) -> None:
    fast = Dispatcher(host_module(planfix), debug=True)
    slow = Dispatcher(host_module(planfix), debug=True)
    fast_answer = _outcome(fast, member, args, kwargs)
    _outcome(slow, member, args, kwargs)  # resolves (and caches) the plan
    for key, plan in list(slow._plans.items()):  # the same plans without their cache
        assert plan.binder is not None and plan.encode is not None
        slow._plans[key] = dataclasses.replace(plan, binder=None, encode=None)
    assert _outcome(slow, member, args, kwargs) == fast_answer
