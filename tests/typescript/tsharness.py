"""Helpers for the TypeScript tests: Node and npm, the built runtime, generated packages
installed the way users install them, and a `graftc serve` subprocess.

Everything built is cached under tests/typescript/.cache, keyed by a hash of its inputs, and
guarded by a file lock so two pytest workers never build the same thing at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RUNTIME = ROOT / "runtime" / "typescript"
CACHE = HERE / ".cache"
TSC = RUNTIME / "node_modules" / ".bin" / "tsc"
PYTHON = sys.executable


class NodeUnavailable(Exception):
    pass


def node_bin() -> str:
    node = shutil.which("node")
    if node is None:
        raise NodeUnavailable("node is not installed")
    return node


def ensure_node_deps() -> None:
    """npm packages for the runtime and the tests (scripts/setup-node.sh is idempotent)."""
    need = [RUNTIME / "node_modules" / "@msgpack", HERE / "node_modules" / "esbuild"]
    need += [RUNTIME / "node_modules" / "@opentelemetry", HERE / "node_modules" / "@opentelemetry"]
    if all(p.exists() for p in need):
        return
    with locked("node-deps"):
        if all(p.exists() for p in need):
            return
        subprocess.run(["bash", str(ROOT / "scripts" / "setup-node.sh")], check=True, cwd=ROOT)


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def tree_hash(*paths: Path, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for base in paths:
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            if "node_modules" in f.parts or "dist" in f.parts:
                continue
            h.update(str(f.relative_to(base.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def run(cmd: list[str], cwd: Path, timeout: float = 300, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc.stdout


def build_runtime() -> Path:
    """runtime/typescript compiled to dist/ (rebuilt only when its sources changed)."""
    ensure_node_deps()
    key = tree_hash(RUNTIME / "src", RUNTIME / "package.json", RUNTIME / "tsconfig.json")
    stamp = RUNTIME / "dist" / ".graft-build"
    with locked("runtime-build"):
        if not (stamp.is_file() and stamp.read_text() == key):
            run([str(TSC), "-p", "tsconfig.json"], RUNTIME)
            stamp.write_text(key)
    return RUNTIME


def runtime_tarball() -> Path:
    """`npm pack` of the runtime, as users would install it."""
    build_runtime()
    key = tree_hash(RUNTIME / "src", RUNTIME / "package.json")
    out = CACHE / "tarballs" / key
    with locked("runtime-pack"):
        tgz = next(out.glob("*.tgz"), None) if out.is_dir() else None
        if tgz is None:
            out.mkdir(parents=True, exist_ok=True)
            run(["npm", "pack", "--silent", "--pack-destination", str(out)], RUNTIME)
            tgz = next(out.glob("*.tgz"))
            _prune(out)
    return tgz


def generate(source: str, out: Path, *, url: str | None = None, format: bool = True) -> Path:
    """What `graftc build --target typescript` does: a .graft file, or a Python module file."""
    from graftc import idl, targets
    from graftcode_runtime import introspect

    src = Path(source)
    if src.suffix == ".graft":
        module = idl.load(str(src))
    else:
        module = introspect.export_module(
            introspect.load_module(str(src), [str(src.parent)])
        ).module
    target = targets.get("typescript")
    extra = {} if format else {"format": "false"}
    target.generate(module, out, targets.TargetOptions(default_url=url, extra=extra))
    return out


def compile_package(pkg: Path) -> None:
    """tsc the generated package (src -> dist) against the built runtime, strict."""
    build_runtime()
    modules = pkg / "node_modules"
    modules.mkdir(exist_ok=True)
    link = modules / "graftcode-runtime"
    if not link.exists():
        link.symlink_to(RUNTIME, target_is_directory=True)
    run([str(TSC), "-p", "tsconfig.json"], pkg)
    shutil.rmtree(modules)


def pack(pkg: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    name = (
        run(["npm", "pack", "--silent", "--pack-destination", str(dest)], pkg)
        .strip()
        .splitlines()[-1]
    )
    return dest / name


@dataclass(frozen=True)
class Consumer:
    """A Node project with the example clients and the runtime installed by npm from tarballs."""

    dir: Path

    def node(
        self, script: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> str:
        return run(
            [node_bin(), str(script), *args],
            self.dir,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )


EXAMPLES = (
    ROOT / "examples" / "shop.py",
    ROOT / "examples" / "calculator.py",
    HERE / "fixtures" / "tsfixture.py",
    HERE / "fixtures" / "tsstream.py",
)


def consumer(modules: tuple[Path, ...] = EXAMPLES) -> Consumer:
    """Generate, compile and pack the examples' clients, then `npm install` them (cached)."""
    runtime_tgz = runtime_tarball()
    gen_key = tree_hash(
        ROOT / "compiler" / "graftc" / "targets" / "typescript",
        *modules,
        extra=runtime_tgz.name + str(runtime_tgz.stat().st_size) + tree_hash(RUNTIME / "src"),
    )
    project = CACHE / "consumer" / gen_key
    with locked("consumer"):
        if (project / "node_modules" / ".graft-ready").is_file():
            return Consumer(project)
        shutil.rmtree(project, ignore_errors=True)
        work = project / "_build"
        deps = {"graftcode-runtime": f"file:{runtime_tgz}"}
        for m in modules:
            pkg = generate(str(m), work / m.stem)
            compile_package(pkg)
            tgz = pack(pkg, project / "_tarballs")
            deps[json.loads((pkg / "package.json").read_text())["name"]] = f"file:{tgz}"
        (project / "package.json").write_text(
            json.dumps(
                {"name": "graft-consumer", "private": True, "type": "module", "dependencies": deps},
                indent=2,
            )
        )
        run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
            project,
        )
        (project / "node_modules" / ".graft-ready").write_text("ok")
        _prune(project)
    return Consumer(project)


def _prune(keep: Path) -> None:
    """Drop older cached builds next to `keep` (their inputs have changed since)."""
    for other in keep.parent.iterdir():
        if other != keep and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# The gateway
# ----------------------------------------------------------------------------------------------

_LISTEN = re.compile(r"listening (\S+)")


@dataclass
class Gateway:
    proc: subprocess.Popen[str]
    urls: dict[str, str]

    def url(self, scheme: str) -> str:
        return self.urls[scheme]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_gateway(
    *modules: str,
    allow_origins: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Gateway:
    cmd = [PYTHON, "-m", "graftc.cli", "serve", *modules, "--path", str(ROOT / "examples")]
    cmd += ["--path", str(HERE / "fixtures")]
    cmd += ["--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0"]
    for o in allow_origins:
        cmd += ["--allow-origin", o]
    cmd += extra
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 30
    assert proc.stdout is not None
    while len(urls) < 2:
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise AssertionError(f"the gateway did not start: {' '.join(cmd)}")
        line = proc.stdout.readline()
        m = _LISTEN.search(line)
        if m:
            url = m.group(1)
            urls[url.split(":", 1)[0]] = url
    return Gateway(proc, urls)
