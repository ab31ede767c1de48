"""When the remote interface changes under a consumer, mypy --strict fails on the consumer and
names the member: a method removed, a parameter's type changed, a required parameter added."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graftc import idl

from .support import CONSUMERS, build, export, mypy

# mypy runs share one cache: keep them on one worker (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("python_target_mypy")


@pytest.fixture(scope="module")
def kitchen_idl() -> str:
    return idl.print_module(export("kitchen"))


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


CHANGES = {
    "method removed": (
        "    fn heat(by: int) -> int;\n",
        "",
        'kitchen_sync.py:{line}: error: "Oven" has no attribute "heat"  [attr-defined]',
        "oven.heat(20)",
    ),
    "parameter type changed": (
        "fn cook(dish: str, minutes: int)",
        "fn cook(dish: str, minutes: str)",
        'kitchen_sync.py:{line}: error: Argument 2 to "cook" of "KitchenClient" has '
        'incompatible type "int"; expected "str"  [arg-type]',
        'kitchen.cook("pie", 10)',
    ),
    "required parameter added": (
        "fn greet(name: str, /, greeting",
        "fn greet(name: str, /, style: int, greeting",
        'kitchen_sync.py:{line}: error: Missing positional argument "style" in call to "greet" '
        'of "KitchenClient"  [call-arg]',
        'kitchen.greet("ann")',
    ),
    "union member removed": (
        "fn pick(value: int | str | Point,",
        "fn pick(value: int | Point,",
        'kitchen_sync.py:{line}: error: Argument 1 to "pick" of "KitchenClient" has '
        'incompatible type "str"; expected "int | Point"  [arg-type]',
        'kitchen.pick("x", "lb", (1, "a"))',
    ),
    "literal value removed": (
        'unit: "kg" | "lb" = "kg"',
        'unit: "kg" = "kg"',
        'kitchen_sync.py:{line}: error: Argument 2 to "pick" of "KitchenClient" has '
        "incompatible type \"Literal['lb']\"; expected \"Literal['kg']\"  [arg-type]",
        'kitchen.pick("x", "lb", (1, "a"))',
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_interface_change_fails_the_consumer_naming_the_member(
    change: str, kitchen_idl: str, tmp_path: Path, mypy_cache: Path
) -> None:
    old, new, expected, call = CHANGES[change]
    text = edit(kitchen_idl, old, new)
    module = idl.parse(text, "kitchen.graft")
    project = build(module, tmp_path / "graft-kitchen", source=text, source_file="kitchen.graft")
    consumer = (CONSUMERS / "kitchen_sync.py").read_text()
    line = next(i for i, s in enumerate(consumer.splitlines(), 1) if call in s)
    result = mypy(
        [CONSUMERS / "kitchen_sync.py"], search_path=[project], cache=mypy_cache, cwd=tmp_path
    )
    assert result.returncode == 1, result.output
    errors = [s for s in result.output.splitlines() if re.search(r": error: ", s)]
    assert any(e.endswith(expected.format(line=line)) for e in errors), result.output
