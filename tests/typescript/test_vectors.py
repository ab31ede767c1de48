"""The TypeScript runtime passes every protocol test vector (tests/vectors/*.json): it decodes
each valid vector to its stated value, encodes that value back to the same bytes, and reports
the stated protocol error for each `bad_*` vector."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import tsharness

VECTORS = tsharness.ROOT / "tests" / "vectors"
FILES = sorted(VECTORS.glob("*.json"))
SAFE = 2**53 - 1


def _tag_big_ints(v: Any) -> Any:
    """JSON numbers beyond 2^53 would be rounded by JavaScript's JSON.parse: send them as text."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and abs(v) > SAFE:
        return {"$bigint": str(v)}
    if isinstance(v, list):
        return [_tag_big_ints(x) for x in v]
    if isinstance(v, dict):
        return {k: _tag_big_ints(x) for k, x in v.items()}
    return v


def _prepare(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text("utf-8"))
    out: dict[str, Any] = {
        "name": data.get("name", path.stem),
        "hex": data["hex"],
        "framed": bool(data.get("framed", False)),
    }
    if "error" in data:
        out["error"] = data["error"]
    else:
        out["message"] = _tag_big_ints(data["message"])
        out["canonical"] = data.get("canonical", True)
        if "msgpack" in data:
            out["msgpack"] = _tag_big_ints(data["msgpack"])
    return out


@pytest.fixture(scope="module")
def results(runtime: Path) -> dict[str, dict[str, Any]]:
    vectors = [_prepare(p) for p in FILES]
    proc = subprocess.run(
        [tsharness.node_bin(), str(tsharness.HERE / "js" / "vectors.mjs")],
        input=json.dumps(vectors),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {r["name"]: r for r in json.loads(proc.stdout)}


def test_there_are_vectors() -> None:
    assert FILES, "tests/vectors/*.json is empty: docs/protocol.md's vectors are missing"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(path: Path, results: dict[str, dict[str, Any]]) -> None:
    name = json.loads(path.read_text("utf-8")).get("name", path.stem)
    r = results[name]
    assert r["ok"], f"{name}: {r['detail']}"
