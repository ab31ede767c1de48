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


def _typecheck(
    tmp_path: Path, source: str, consumer: str = CONSUMER, file: str = "inventory.graft"
) -> subprocess.CompletedProcess[str]:
    """`source` (IDL, or Python for a `.py` file) generated as graft-<its stem>, and `consumer`
    type-checked against it."""
    graft = tmp_path / file
    graft.write_text(source)
    package = f"graft-{graft.stem}"
    # unformatted: prettier changes layout only, and skipping it keeps these tests fast
    gen = tmp_path / package
    if graft.suffix == ".py":  # in a fresh process: each version imports a module of one name
        code = "import sys, pathlib, tsharness as h; h.generate(sys.argv[1], pathlib.Path(sys.argv[2]), format=False)"
        tsharness.run([tsharness.PYTHON, "-c", code, str(graft), str(gen)], tsharness.HERE)
    else:
        tsharness.generate(str(graft), gen, format=False)
    (tmp_path / "consumer.ts").write_text(consumer)
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
                        package: [str(gen / "src" / "index.ts")],
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


# Streams: the consumer of tests/typescript/fixtures/tsstream.py's client (from its Python
# source: what `graftc export` sees)
STREAMS = (tsharness.HERE / "fixtures" / "tsstream.py").read_text("utf-8")
STREAM_CONSUMER = (HERE / "streams.ts").read_text("utf-8")


def _stream_errors(tmp_path: Path, source: str) -> tuple[int, list[tuple[str, str]]]:
    proc = _typecheck(tmp_path, source, STREAM_CONSUMER, "tsstream.py")
    lines = STREAM_CONSUMER.splitlines()
    return proc.returncode, [(lines[n - 1], msg) for n, _, msg in _errors(proc)]


def test_stream_consumer_compiles(runtime: Path, tmp_path: Path) -> None:
    code, errors = _stream_errors(tmp_path, STREAMS)
    assert code == 0 and not errors, errors


@pytest.mark.parametrize(
    ("old", "new", "used_at"),
    [
        (  # a private function is not exported
            'def count(n: int, marker: str = "") -> Iterator[int]:',
            'def _count(n: int, marker: str = "") -> Iterator[int]:',
            ".count(",
        ),
        (
            'def count(n: int, marker: str = "") -> Iterator[int]:',
            'def count(n: int, marker: str = "") -> Iterator[str]:',
            ".count(",
        ),
        ("def total(numbers: Iterator[int]) -> int:", "def total(numbers: int) -> int:", ".total("),
    ],
    ids=["removed", "item type", "no longer a client stream"],
)
def test_stream_changes_fail_at_the_member(
    runtime: Path, tmp_path: Path, old: str, new: str, used_at: str
) -> None:
    assert STREAMS.count(old) == 1
    code, errors = _stream_errors(tmp_path, STREAMS.replace(old, new))
    assert code != 0 and errors and all(used_at in line for line, _ in errors), errors


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


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("bin: str | int", "bin: str"),  # a union member removed
        ('mode: "fast" | "safe"', 'mode: "safe"'),  # a literal value removed
        ("at: tuple<int, int>?", "at: tuple<int, int, int>?"),  # a tuple grew
        ("-> str | int;", "-> str | int | bytes;"),  # a result member added
    ],
)
def test_union_literal_and_tuple_changes_fail_at_the_member(
    runtime: Path, tmp_path: Path, old: str, new: str
) -> None:
    assert V1.count(old) == 1
    proc = _typecheck(tmp_path, V1.replace(old, new))
    assert proc.returncode != 0
    errors = _errors(proc)
    assert errors and all(".place(" in _line(line) for line, _, _ in errors), proc.stdout


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


# ----------------------------------------------------------------------------------------------
# The published declarations under the tsconfig setups people have (issue 19): the runtime and
# generated packages installed by npm from their tarballs, checked without skipLibCheck
# ----------------------------------------------------------------------------------------------

PUBLISHED = (HERE / "published.ts").read_text("utf-8")
NODE_TYPES = Path(__file__).resolve().parent / "node_modules" / "@types" / "node"

# name: (compilerOptions beyond strict/noEmit/skipLibCheck false, package.json "type")
SETUPS: dict[str, tuple[dict[str, object], str]] = {
    # a Node service: no DOM, no ESNext; @types/node gives console, AbortSignal, ...
    "node-commonjs": (
        {"target": "ES2022", "module": "commonjs", "lib": ["ES2022"], "types": ["node"]},
        "commonjs",
    ),
    "node16": (
        {
            "target": "ES2022",
            "module": "node16",
            "moduleResolution": "node16",
            "lib": ["ES2022"],
            "types": ["node"],
        },
        "module",
    ),
    "nodenext": (
        {
            "target": "ES2022",
            "module": "NodeNext",
            "moduleResolution": "NodeNext",
            "lib": ["ES2022"],
            "types": ["node"],
        },
        "module",
    ),
    # a browser app built by a bundler (Vite's template): DOM, no Node types
    "bundler-dom": (
        {
            "target": "ES2022",
            "module": "ESNext",
            "moduleResolution": "bundler",
            "lib": ["ES2022", "DOM", "DOM.Iterable"],
            "types": [],
        },
        "module",
    ),
    # code for both (NodeNext modules, DOM globals instead of Node's), with the strictest flags
    "nodenext-dom-strictest": (
        {
            "target": "ES2022",
            "module": "NodeNext",
            "moduleResolution": "NodeNext",
            "lib": ["ES2022", "DOM"],
            "types": [],
            "exactOptionalPropertyTypes": True,
            "noUncheckedIndexedAccess": True,
            "noImplicitOverride": True,
            "noPropertyAccessFromIndexSignature": True,
        },
        "module",
    ),
    # what the runtime and the generated packages are built with: lib declarations that also
    # declare the runtime's globals (AsyncDisposable) merge with the runtime's own
    "disposable-dom-node": (
        {
            "target": "ES2022",
            "module": "NodeNext",
            "moduleResolution": "NodeNext",
            "lib": ["ES2022", "ESNext.Disposable", "DOM"],
            "types": ["node"],
        },
        "module",
    ),
}


def _published_project(consumer: tsharness.Consumer, work: Path, setup: str) -> Path:
    """An application directory whose node_modules holds the npm-installed packages (and
    @types/node), with `setup`'s tsconfig."""
    options, package_type = SETUPS[setup]
    modules = work / "node_modules"
    modules.mkdir(parents=True)
    for entry in (consumer.dir / "node_modules").iterdir():
        if not entry.name.startswith("."):
            (modules / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (modules / "@types").mkdir(exist_ok=True)
    (modules / "@types" / "node").symlink_to(NODE_TYPES, target_is_directory=True)
    (work / "package.json").write_text(
        json.dumps({"name": "app", "private": True, "type": package_type})
    )
    (work / "app.ts").write_text(PUBLISHED)
    compiler = {"strict": True, "noEmit": True, "skipLibCheck": False, **options}
    (work / "tsconfig.json").write_text(
        json.dumps({"compilerOptions": compiler, "files": ["app.ts"]}, indent=2)
    )
    return work


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_published_declarations_compile(
    consumer: tsharness.Consumer, tmp_path: Path, setup: str
) -> None:
    """The .d.ts of graftcode-runtime and of graft-* packages compile under `setup` with
    skipLibCheck off: no error in any declaration file (theirs or their dependencies'), and
    none in the application."""
    work = _published_project(consumer, tmp_path / setup, setup)
    proc = subprocess.run(
        [str(tsharness.TSC), "-p", "tsconfig.json", "--pretty", "false"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"tsc under {setup}:\n{proc.stdout}{proc.stderr}"
