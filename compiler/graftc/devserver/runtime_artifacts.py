"""The graftcode runtime itself, packaged for the gateway's own indexes.

Generated clients depend on `graftcode-runtime`, which is on neither PyPI nor npm, so the gateway
serves it next to the clients: pip resolves it from the same `--extra-index-url`, and the npm
tarball's dependency points at the runtime tarball's URL on the gateway.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
from pathlib import Path

import graftcode_runtime

import graftc
from graftc.devserver.tarball import Tarball, build_tarball, directory_files, with_package_json
from graftc.devserver.wheel import Wheel, WheelMetadata, build_wheel, package_files

RUNTIME_DISTRIBUTION = "graftcode-runtime"
RUNTIME_NPM = "graftcode-runtime"


class RuntimeUnavailable(Exception):
    """The runtime cannot be packaged here (e.g. no TypeScript runtime in this installation)."""


def runtime_wheel() -> Wheel:
    """A wheel of the installed `graftcode_runtime` package, with its installed metadata."""
    pkg_dir = Path(graftcode_runtime.__file__).parent
    try:
        dist = importlib.metadata.distribution(RUNTIME_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeUnavailable("graftcode-runtime is not installed as a distribution") from None
    meta = WheelMetadata(
        name=RUNTIME_DISTRIBUTION,
        version=dist.version,
        summary=(dist.metadata.get_all("Summary") or [""])[0],
        requires_python=(dist.metadata.get_all("Requires-Python") or [None])[0],
        requires_dist=tuple(dist.requires or ()),
    )
    return build_wheel(meta, package_files(pkg_dir, pkg_dir.name))


def typescript_runtime_dir() -> Path:
    """Where the TypeScript runtime's sources live: $GRAFTC_TS_RUNTIME or the repository's."""
    env = os.environ.get("GRAFTC_TS_RUNTIME")
    if env:
        return Path(env)
    return Path(graftc.__file__).resolve().parents[2] / "runtime" / "typescript"


def runtime_npm_version() -> str:
    doc = json.loads((typescript_runtime_dir() / "package.json").read_text("utf-8"))
    return str(doc["version"])


def _runtime_manifest() -> tuple[Path, dict[str, object]]:
    root = typescript_runtime_dir()
    try:
        doc = json.loads((root / "package.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise RuntimeUnavailable(
            f"no TypeScript runtime at {root} (set GRAFTC_TS_RUNTIME to runtime/typescript)"
        ) from None
    return root, doc


def ensure_runtime_built() -> Path:
    """The TypeScript runtime's directory, compiled (`npm run build`) if it never was."""
    root, doc = _runtime_manifest()
    if not (root / str(doc.get("main", "dist/index.js"))).is_file():
        try:
            subprocess.run(
                ["npm", "run", "--silent", "build"],
                cwd=root,
                check=True,
                capture_output=True,
                timeout=300,
            )
        except (OSError, subprocess.SubprocessError) as e:
            raise RuntimeUnavailable(
                f"the TypeScript runtime at {root} is not built and `npm run build` failed: {e}"
            ) from None
    return root


def runtime_tarball() -> Tarball:
    """The TypeScript runtime as npm would pack it, with its dependencies bundled.

    Bundled (npm's `bundleDependencies`), `npm install http://gateway/npm/...` needs no npm
    registry at all, and `npm install --registry http://gateway/npm/ graft-<module>` works:
    npm would otherwise ask that registry, the gateway, for `ws` and `@msgpack/msgpack`.
    """
    root = ensure_runtime_built()
    _, doc = _runtime_manifest()
    files_field = doc.get("files")
    files = directory_files(root, files_field if isinstance(files_field, list) else None)
    deps = doc.get("dependencies")
    names = sorted(deps) if isinstance(deps, dict) else []
    files += _installed_dependencies(root, names)
    update: dict[str, object] = {"bundleDependencies": names} if names else {}
    return build_tarball(f"{RUNTIME_NPM}-{doc['version']}.tgz", with_package_json(files, update))


def _installed_dependencies(root: Path, names: list[str]) -> list[tuple[str, bytes]]:
    """The files of `names` and their own dependencies, as installed under root/node_modules."""
    out: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        directory = root / "node_modules" / name
        try:
            dep_doc = json.loads((directory / "package.json").read_text("utf-8"))
        except (OSError, ValueError):
            raise RuntimeUnavailable(
                f"the TypeScript runtime's dependency {name!r} is not installed in "
                f"{root / 'node_modules'}: run `make node-deps`"
            ) from None
        out += [(f"node_modules/{name}/{rel}", data) for rel, data in directory_files(directory)]
        more = dep_doc.get("dependencies")
        todo += list(more) if isinstance(more, dict) else []
    return out


def find_tsc() -> Path | None:
    """$GRAFTC_TSC, else the TypeScript runtime's own compiler, else `tsc` on PATH."""
    env = os.environ.get("GRAFTC_TSC")
    if env:
        return Path(env)
    local = typescript_runtime_dir() / "node_modules" / ".bin" / "tsc"
    if local.is_file():
        return local
    found = shutil.which("tsc")
    return Path(found) if found else None


def compile_typescript(package_dir: Path) -> None:
    """Compile a generated TypeScript package in place (src -> dist), against the runtime.

    npm never runs build scripts for a tarball dependency, so the served tarball must hold the
    JavaScript and declarations already.
    """
    tsc = find_tsc()
    if tsc is None:
        raise RuntimeUnavailable(
            "no TypeScript compiler found: run `make node-deps` or set GRAFTC_TSC"
        )
    runtime = ensure_runtime_built()
    modules = package_dir / "node_modules"
    modules.mkdir(exist_ok=True)
    link = modules / RUNTIME_NPM
    if not link.exists():
        link.symlink_to(runtime, target_is_directory=True)
    try:
        proc = subprocess.run(
            [str(tsc), "-p", "tsconfig.json"],
            cwd=package_dir,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise RuntimeUnavailable(f"cannot run the TypeScript compiler {tsc}: {e}") from None
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip().splitlines()
        raise TypeScriptCompileError("\n".join(out[:20]))


class TypeScriptCompileError(Exception):
    """The generated TypeScript did not compile (a generator bug or an unsupported surface)."""
