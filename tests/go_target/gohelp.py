"""Helpers for the Go target's tests: generating modules and running `go` on them offline.

Generated modules require `graftcode.dev/runtime`; the tests point it at runtime/go with a
`replace` line (the GOPROXY test fetches it from the gateway instead). `go` runs with
GOPROXY=off and GOFLAGS=-mod=mod, so nothing is downloaded: the runtime has no dependencies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = Path(os.environ.get("GRAFTC_GO_RUNTIME") or ROOT / "runtime" / "go")
EXAMPLES = {
    "calculator": ROOT / "examples" / "calculator.graft",
    "shop": ROOT / "examples" / "shop.graft",
}
FIXTURES = {
    "edge": ROOT / "tests" / "python_target" / "fixtures" / "edge.graft",
    "clash": ROOT / "tests" / "python_target" / "fixtures" / "clash.graft",
    "kitchen": ROOT / "tests" / "python_target" / "fixtures" / "kitchen.py",
    "shapes": ROOT / "tests" / "go_target" / "fixtures" / "shapes.graft",
    "tsfixture": ROOT / "tests" / "typescript" / "fixtures" / "tsfixture.py",
}


def go_bin() -> str:
    go = shutil.which("go")
    if go is None:
        pytest.skip("Go is not installed (scripts/setup-go.sh installs it)")
    return go


def go_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(GOPROXY="off", GOFLAGS="-mod=mod", GONOSUMDB="graftcode.dev", GOTOOLCHAIN="local")
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env or go_env()
    )
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def build(source: Path, out: Path, *extra: str) -> Path:
    """`graftc build --target go` of a .graft file or a Python module into `out`."""
    from graftc.cli import main

    args = ["--from-module", str(source)] if source.suffix == ".py" else [str(source)]
    code = main(["build", *args, "--target", "go", "-o", str(out), *extra])
    assert code == 0, f"graftc build --target go {source} exited {code}"
    return out


def graftc(*args: str) -> int:
    """`graftc ARGS` in this process; its exit code."""
    from graftc.cli import main

    return main(list(args))


def use_local_runtime(module_dir: Path) -> None:
    """Point the module's runtime requirement at runtime/go."""
    run([go_bin(), "mod", "edit", f"-replace=graftcode.dev/runtime={RUNTIME}"], module_dir)


def consumer(work: Path, module_dir: Path, import_path: str, main_go: str) -> Path:
    """A program module that imports the generated module from `module_dir`."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "go.mod").write_text(
        "module example.com/consumer\n\ngo 1.22\n\n"
        f"require {import_path} {_placeholder(import_path)}\nrequire graftcode.dev/runtime v0.1.0\n\n"
        f"replace {import_path} => {module_dir}\n"
        f"replace graftcode.dev/runtime => {RUNTIME}\n"
    )
    (work / "main.go").write_text(main_go)
    return work


def _placeholder(import_path: str) -> str:
    """A version a `replace`d requirement may have: its major must match the path's `/vN`."""
    last = import_path.rsplit("/", 1)[-1]
    return f"{last}.0.0" if last[1:].isdigit() and last.startswith("v") else "v0.0.0"
