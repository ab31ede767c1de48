"""Vision's snippets are real code: every one compiles against the client the gateway serves
(tsc for TypeScript; Python syntax plus every imported name existing in the package)."""

from __future__ import annotations

import ast
import gzip
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from graftc import targets
from graftc.devserver import Endpoints, PackageStore, members_of
from graftc.targets.typescript.package import find_tsc, runtime_dir
from graftcode_runtime import ugm

from .fixtures import calculator

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _modules() -> list[ugm.Module]:
    from graftcode_runtime.gateway import load_modules

    # the composite fixture: unions, literal sets and tuples in snippets and defaults
    composite = ROOT / "tests" / "export" / "fixtures" / "exportfix" / "composite.py"
    # streaming members: loops over results, iterables for stream parameters
    streams = ROOT / "tests" / "typescript" / "fixtures" / "tsstream.py"
    sources = [str(ROOT / "examples" / "shop.py"), str(composite), str(streams)]
    hosted = load_modules(sources, [])
    return [calculator(), *(h.module for h in hosted)]


def test_python_snippets_parse_and_import_real_names(tmp_path: Path) -> None:
    python = targets.get("python").snippets
    for m in _modules():
        store = PackageStore([m])
        wheel = store.artifact("python", m.name, "tcp://127.0.0.1:7470")
        site = tmp_path / m.name
        zipfile.ZipFile(io.BytesIO(wheel.data)).extractall(site)
        snippets = [python.usage(x, "1") for x in members_of(m)]
        snippets += [code for _, code in python.configs(m, Endpoints("tcp://h:1", "ws://h:2/"))]
        checks = []
        for code in snippets:
            if code.startswith(("export ", "[modules.")):
                continue  # shell and TOML examples
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("graft_"):
                    checks.append(
                        f"from {node.module} import {', '.join(a.name for a in node.names)}"
                    )
        assert checks
        proc = subprocess.run(
            [sys.executable, "-c", "\n".join(checks)], cwd=site, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr


@pytest.mark.node
def test_typescript_snippets_compile_against_the_served_package(tmp_path: Path) -> None:
    tsc = find_tsc()
    if tsc is None:
        pytest.skip("needs the TypeScript compiler (make node-deps)")
    app = tmp_path / "app"
    (app / "node_modules").mkdir(parents=True)
    (app / "node_modules" / "graftcode-runtime").symlink_to(runtime_dir())
    (app / "package.json").write_text(
        json.dumps({"name": "app", "type": "module", "private": True})
    )
    files = []
    typescript = targets.get("typescript").snippets
    for m in _modules():
        store = PackageStore([m])
        tgz = store.artifact("typescript", m.name, "ws://127.0.0.1:7471/")
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(tgz.data))) as tar:
            tar.extractall(app / "node_modules", filter="data")
        unpacked = app / "node_modules" / "package"
        name = json.loads((unpacked / "package.json").read_text())["name"]
        unpacked.rename(app / "node_modules" / name)
        for i, member in enumerate(members_of(m)):
            f = app / f"{m.name}_{i}.ts"
            f.write_text(f"// {member.id}\n" + typescript.usage(member, "1") + "\nexport {};\n")
            files.append(f.name)
    (app / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "target": "ES2022",
                    "module": "NodeNext",
                    "moduleResolution": "NodeNext",
                    "strict": True,
                    "noEmit": True,
                    "types": [],
                    "skipLibCheck": True,
                    "lib": ["ES2022", "DOM", "ESNext.Disposable"],
                },
                "files": files,
            }
        )
    )
    proc = subprocess.run(
        [str(tsc), "-p", "tsconfig.json"], cwd=app, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_streaming_member_snippet_loops_with_for_await() -> None:
    (module,) = [m for m in _modules() if m.name == "tsstream"]
    by_id = {x.id: x for x in members_of(module)}
    typescript = targets.get("typescript").snippets
    count = typescript.usage(by_id["tsstream.tsstream.count"], "1")
    assert "for await (const item of client.tsstream.count(1)) {\n  console.log(item);\n}" in count
    assert 'client.tsstream.shout(["words"])' in typescript.usage(
        by_id["tsstream.tsstream.shout"], "1"
    )
