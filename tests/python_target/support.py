"""Helpers of the Python target tests: exporting fixture modules, building packages, running
mypy, ruff and black on them, fresh virtualenvs and gateway subprocesses."""

from __future__ import annotations

import contextlib
import importlib.metadata as md
import importlib.util
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from graftc.targets import TargetOptions, get
from graftcode_runtime import ugm
from graftcode_runtime.introspect import export_module, load_module
from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURES = HERE / "fixtures"
CONSUMERS = HERE / "consumers"
VENV_BIN = Path(sys.executable).parent
RUNTIME_SRC = ROOT / "runtime" / "python"

if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))


def export(spec: str) -> ugm.Module:
    return export_module(load_module(spec, [str(FIXTURES), str(ROOT / "examples")])).module


def build(module: ugm.Module, project: Path, **options: object) -> Path:
    """Generate `module`'s package into `project`; returns the project directory."""
    get("python").generate(module, project, TargetOptions(**options))  # type: ignore[arg-type]
    return project


@dataclass
class Checked:
    returncode: int
    output: str


def run(cmd: Sequence[str | Path], cwd: Path | None = None, **env: str) -> Checked:
    full_env = {**os.environ, **env}
    p = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Checked(p.returncode, p.stdout + p.stderr)


def mypy(
    targets: Sequence[Path],
    *,
    search_path: Sequence[Path] = (),
    cache: Path,
    cwd: Path,
    extra: Sequence[str] = (),
    python: Path | None = None,
) -> Checked:
    """`mypy --strict` with an empty config (not the repository's); the runtime is found
    installed (PEP 561). Targets are files or package directories."""
    config = cwd / "mypy.ini"
    config.write_text("[mypy]\n")
    args: list[str | Path] = [
        VENV_BIN / "mypy",
        "--strict",
        "--config-file",
        config,
        "--cache-dir",
        cache,
        "--no-error-summary",
        "--show-error-codes",
        *extra,
    ]
    if python is not None:
        args += ["--python-executable", python]
    args += list(targets)
    env = {"MYPYPATH": os.pathsep.join(str(p) for p in search_path)} if search_path else {}
    return run(args, cwd=cwd, **env)


def ruff_and_black(project: Path) -> list[Checked]:
    """ruff with the project's rule set and black's check, both isolated from repo config."""
    ruff = run(
        [
            VENV_BIN / "ruff",
            "check",
            "--isolated",
            "--select",
            "E,F,W,I,B,UP,RUF",
            "--ignore",
            "E501",
            "--target-version",
            "py311",
            project,
        ]
    )
    # and ruff's own defaults, which is what a project without a ruff config gets
    default = run([VENV_BIN / "ruff", "check", "--isolated", "--target-version", "py311", project])
    black = run([VENV_BIN / "black", "--check", "--quiet", "--target-version", "py311", project])
    return [ruff, default, black]


# ------------------------------------------------------------------------------ virtualenvs


def _requirement_names(dist: str) -> list[str]:
    out = []
    for text in md.requires(dist) or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req.name)
    return out


def runtime_dependency_dirs() -> set[Path]:
    """Where the runtime's dependencies (transitively) are installed, by top-level name."""
    seen: set[str] = set()
    todo = _requirement_names("graftcode-runtime")
    paths: set[Path] = set()
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        dist = md.distribution(name)
        for f in dist.files or []:
            top = f.parts[0]
            if top.endswith((".dist-info", ".pth")) or top in ("..", "__pycache__", "bin"):
                continue
            paths.add(Path(str(dist.locate_file(top))))
        todo += _requirement_names(name)
    return paths


@dataclass
class Venv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def pip_install(self, project: Path) -> Checked:
        # pip runs from the test's environment against the venv's interpreter (`--python`),
        # so the venv needs no pip of its own; setuptools comes from the build-tools .pth
        return run(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                self.python,
                "install",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                project,
            ]
        )


def make_venv(where: Path) -> Venv:
    """A fresh virtualenv with the runtime and its dependencies visible (through one .pth file
    and symlinks, offline and fast) and nothing else: no compiler, lark, jinja2 or black."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=300
    )
    venv = Venv(where)
    purelib = Path(
        subprocess.run(
            [str(venv.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    deps = where / "runtime-deps"
    deps.mkdir()
    for path in runtime_dependency_dirs():
        (deps / path.name).symlink_to(path)
    (purelib / "graftcode_runtime_dev.pth").write_text(f"{RUNTIME_SRC}\n{deps}\n")
    tools = where / "build-tools"
    tools.mkdir()
    for name in ("setuptools", "_distutils_hack", "pkg_resources"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            (tools / name).symlink_to(Path(spec.origin).parent)
    # setuptools finds its own commands through its entry points, so it needs its metadata
    info = Path(str(md.distribution("setuptools")._path))  # type: ignore[attr-defined]
    (tools / info.name).symlink_to(info)
    # the same shim setuptools installs (distutils-precedence.pth): its distutils, not 3.11's
    shim = "import _distutils_hack; _distutils_hack.add_shim()"
    (purelib / "build_tools.pth").write_text(f"{tools}\n{shim}\n")
    return venv


# ------------------------------------------------------------------------------ gateway


@dataclass
class Gateway:
    process: subprocess.Popen[str]
    urls: dict[str, str]


@contextlib.contextmanager
def serve(*options: str) -> Iterator[Gateway]:
    """`graftc serve` hosting tests/python_target/fixtures/kitchen.py with these listeners."""
    proc = subprocess.Popen(
        [str(VENV_BIN / "graftc"), "serve", str(FIXTURES / "kitchen.py"), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(FIXTURES)},
    )
    wanted = sum(1 for o in options if o in ("--tcp", "--ws"))
    urls: dict[str, str] = {}
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        while len(urls) < wanted:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("gateway exited:\n" + "".join(lines))
            lines.append(line)
            m = re.match(r"graftc: listening (\S+)", line)
            if m:
                url = m.group(1)
                urls[url.split(":", 1)[0]] = url
        # keep reading: a gateway whose log fills the pipe would block
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        yield Gateway(proc, urls)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
