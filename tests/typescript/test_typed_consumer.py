"""A TypeScript consumer written against a v1 client type-checks; after a breaking change to
the IDL (a removed member, a changed signature, a changed field type) the regenerated client
makes `tsc` fail at the line that uses that member."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import tsharness

pytestmark = pytest.mark.node

HERE = Path(__file__).resolve().parent / "consumer"
V1 = (HERE / "inventory_v1.graft").read_text("utf-8")
CONSUMER = (HERE / "consumer.ts").read_text("utf-8")


def _typecheck(tmp_path: Path, idl: str) -> subprocess.CompletedProcess[str]:
    graft = tmp_path / "inventory.graft"
    graft.write_text(idl)
    # unformatted: prettier changes layout only, and skipping it keeps these tests fast
    gen = tsharness.generate(str(graft), tmp_path / "graft-inventory", format=False)
    (tmp_path / "consumer.ts").write_text(CONSUMER)
    runtime_types = tsharness.RUNTIME / "dist" / "node.d.ts"
    (tmp_path / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "strict": True,
                    "noEmit": True,
                    "target": "ES2022",
                    "module": "NodeNext",
                    "moduleResolution": "NodeNext",
                    "lib": ["ES2022", "ESNext.Disposable", "DOM"],
                    "types": [],
                    "paths": {
                        "graft-inventory": [str(gen / "src" / "index.ts")],
                        "graftcode-runtime": [str(runtime_types)],
                    },
                },
                "files": ["consumer.ts"],
            }
        )
    )
    return subprocess.run(
        [str(tsharness.TSC), "-p", "tsconfig.json", "--pretty", "false"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _errors(proc: subprocess.CompletedProcess[str]) -> list[tuple[int, str, str]]:
    """(consumer line, TS code, message) for every error reported in consumer.ts."""
    out = []
    for m in re.finditer(r"consumer\.ts\((\d+),\d+\): error (TS\d+): (.*)", proc.stdout):
        out.append((int(m.group(1)), m.group(2), m.group(3)))
    return out


def _line(n: int) -> str:
    return CONSUMER.splitlines()[n - 1]


def test_v1_consumer_compiles(runtime: Path, tmp_path: Path) -> None:
    proc = _typecheck(tmp_path, V1)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_removed_member_fails_naming_it(runtime: Path, tmp_path: Path) -> None:
    v2 = V1.replace("    fn count(sku: str, *, exact: bool = false) -> int;\n", "")
    proc = _typecheck(tmp_path, v2)
    assert proc.returncode != 0
    errors = _errors(proc)
    assert any(code == "TS2339" and "'count'" in msg for _, code, msg in errors), proc.stdout


def test_changed_parameter_type_fails_at_the_member(runtime: Path, tmp_path: Path) -> None:
    v2 = V1.replace("fn get(sku: str)", "fn get(sku: int)")
    proc = _typecheck(tmp_path, v2)
    assert proc.returncode != 0
    errors = _errors(proc)
    assert errors and all(".get(" in _line(line) for line, _, _ in errors), proc.stdout
    assert any(code == "TS2345" for _, code, _ in errors), proc.stdout


def test_new_required_parameter_fails_at_the_member(runtime: Path, tmp_path: Path) -> None:
    v2 = V1.replace(
        "fn add(sku: str, quantity: int = 1)", "fn add(sku: str, quantity: int, bin: str)"
    )
    proc = _typecheck(tmp_path, v2)
    assert proc.returncode != 0
    errors = _errors(proc)
    assert errors and all(".add(" in _line(line) for line, _, _ in errors), proc.stdout


def test_removed_property_and_field_fail_naming_them(runtime: Path, tmp_path: Path) -> None:
    v2 = V1.replace("    prop mut label: str;\n", "").replace("    count: int = 0;\n", "")
    proc = _typecheck(tmp_path, v2)
    assert proc.returncode != 0
    messages = " ".join(msg for _, _, msg in _errors(proc))
    assert "'getLabel'" in messages and "'setLabel'" in messages and "'count'" in messages, (
        proc.stdout
    )


def test_additive_change_still_compiles(runtime: Path, tmp_path: Path) -> None:
    v2 = V1.replace(
        "    fn put(item: Item) -> bool;\n",
        "    fn put(item: Item) -> bool;\n    fn list(limit: int = 10) -> list<Item>;\n",
    ).replace(
        "    unit: Unit = Unit.PIECE;\n", "    unit: Unit = Unit.PIECE;\n    note: str? = none;\n"
    )
    proc = _typecheck(tmp_path, v2)
    assert proc.returncode == 0, proc.stdout + proc.stderr
