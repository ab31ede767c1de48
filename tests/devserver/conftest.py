"""Fixtures for the devserver tests: a fake generator so index logic is tested without the real
targets, and a cache directory per test."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from graftc.devserver import DevServer, PackageStore
from graftcode_runtime import ugm


class FakeGenerator:
    """Writes a minimal installable package per target and counts runs. `gate`, when set, holds
    every run until the test releases it (to line up concurrent first requests)."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str, str | None]] = []
        self.gate: threading.Event | None = None
        self.started = threading.Event()
        self.fail: Exception | None = None

    def __call__(self, target: str, module: ugm.Module, out: Path, default_url: str | None) -> None:
        self.runs.append((target, module.name, default_url))
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(30)
        if self.fail is not None:
            raise self.fail
        if target == "python":
            pkg = out / f"graft_{module.name}"
            pkg.mkdir(parents=True)
            (pkg / "__init__.py").write_text(
                f"DEFAULT_URL = {default_url!r}\nVERSION = {module.version!r}\n"
            )
            (pkg / "py.typed").write_text("")
            (out / "pyproject.toml").write_text(
                "[project]\n"
                f'name = "graft-{module.name}"\nversion = "{module.version}"\n'
                'requires-python = ">=3.11"\ndependencies = ["graftcode-runtime==0.1.0"]\n'
            )
        else:
            (out / "dist").mkdir(parents=True)
            (out / "dist" / "index.js").write_text(
                f"export const url = {json.dumps(default_url)};\n"
            )
            (out / "src").mkdir()
            (out / "src" / "index.ts").write_text("export {};\n")
            (out / "package.json").write_text(
                json.dumps(
                    {
                        "name": f"graft-{module.name}",
                        "version": module.version,
                        "main": "dist/index.js",
                        "files": ["dist"],
                        "dependencies": {"graftcode-runtime": "^0.1.0"},
                        "scripts": {"build": "tsc"},
                    }
                )
            )


@pytest.fixture
def fake() -> FakeGenerator:
    return FakeGenerator()


@pytest.fixture
def make_server(tmp_path: Path, fake: FakeGenerator):  # type: ignore[no-untyped-def]
    def make(*modules: ugm.Module, cache: bool = True) -> DevServer:
        store = PackageStore(
            modules, cache_dir=tmp_path / "cache" if cache else None, generator=fake
        )
        return DevServer(
            store,
            endpoints=["tcp://0.0.0.0:7470", "ws://127.0.0.1:7471/"],
            idl=lambda m: f"module {m.name};\n",
        )

    return make


HOST = {"host": "127.0.0.1:7472"}
