"""`inmemory:` accepts what `graftc serve` accepts: a dotted name, a .py file, an absolute path."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from graftcode_runtime import connect, connect_async, parse_url

CALCULATOR = Path(__file__).resolve().parents[2] / "examples" / "calculator.py"


def test_absolute_path_keeps_its_leading_slash() -> None:
    assert parse_url(f"inmemory:{CALCULATOR}").module == str(CALCULATOR)
    assert parse_url("inmemory://calculator").module == "calculator"


@pytest.mark.parametrize("spec", ["calculator", str(CALCULATOR)])
def test_sync_client_hosts_a_module_by_name_or_path(spec: str) -> None:
    with connect(f"inmemory:{spec}") as client:
        assert client.module == "calculator"
        assert client.call("add", 2, 3) == 5


def test_trio_client_hosts_a_module_by_path() -> None:
    async def main() -> int:
        async with connect_async(f"inmemory:{CALCULATOR}") as client:
            result: int = await client.call("add", 4, 5)
            return result

    assert trio.run(main) == 9
