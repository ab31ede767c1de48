"""Members marked @idempotent carry `idempotent: true` in their generated spec (what the
runtime's retry policy reads, runtime/typescript/src/retry.ts); other members do not, and the
package compiles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tsharness
from graftc.idl import parse
from graftc.targets import TargetOptions, get

IDL = """module shop version "1.0.0";

service shop {
    @idempotent
    fn get_price(sku: str) -> int;

    fn buy(sku: str) -> int;
}

class Cart {
    constructor();

    @idempotent
    fn total() -> int;
}
"""


@pytest.mark.node
def test_only_idempotent_members_are_marked(runtime: Path, tmp_path: Path) -> None:
    get("typescript").generate(parse(IDL), tmp_path, TargetOptions())
    text = "\n".join(p.read_text() for p in tmp_path.rglob("*.ts"))
    specs = dict(
        re.findall(r'member: "(\w+)",.*?returns: [^\n]+\n(\s+idempotent: true,)?', text, re.S)
    )
    assert specs["get_price"] and specs["total"], specs
    assert not specs["buy"], specs
    tsharness.compile_package(tmp_path)  # tsc --strict accepts the marked specs
