"""The npm package on disk, and as the tarball the gateway serves.

npm never builds a tarball dependency, so a served tarball holds the compiled JavaScript and
declarations (`tsc` against the runtime) and no build scripts. Tarballs are gzipped tars with
entries under `package/`, sorted, with fixed timestamps and owners, so equal input gives an equal
`integrity` in lockfiles. The runtime is on no npm registry, so it is served as a tarball too,
with its own dependencies bundled.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from graftcode_runtime import ugm

import graftc
from graftc.targets._plugin import Manifest, TargetOptions
from graftc.targets.common.files import write_files
from graftc.targets.common.serving import (
    Artifact,
    BrowserRuntime,
    PackError,
    RuntimeUnavailable,
)
from graftc.targets.typescript import naming
from graftc.targets.typescript.lower import lower
from graftc.targets.typescript.render import format_files, render

RUNTIME_PACKAGE = "graftcode-runtime"
MANIFEST = Manifest("package.json", '"graftcode"')
MEDIA_TYPE = "application/octet-stream"
_SKIP_DIRS = {"node_modules", ".git", "__pycache__"}
_MTIME = 499162500  # 1985-10-26, what npm itself uses for reproducible tarballs
# Keys only the package's own build uses. A tarball dependency is never built by npm (dist/ is
# already inside), and npm 11 warns about every dependency that declares a `prepare` script.
BUILD_ONLY_KEYS = ("scripts", "devDependencies")


def generate(module: ugm.Module, out_dir: Path, options: TargetOptions) -> list[Path]:
    """`--option format=false` skips prettier."""
    written = write_files(out_dir, render(lower(module, options)))
    if options.extra.get("format", "true").lower() not in ("0", "false", "no"):
        format_files(written)
    return written


def pack(project: Path, version: str) -> Artifact:
    """The tarball of a generated package (compiled first if it has no JavaScript yet)."""
    try:
        manifest = json.loads((project / "package.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise PackError("the generator wrote no package.json") from None
    main = project / str(manifest.get("main", "index.js"))
    if not main.is_file() and (project / "tsconfig.json").is_file():
        compile_typescript(project)
    files = directory_files(project, manifest.get("files"))
    name = naming.tarball_filename(str(manifest.get("name")), version)
    return build_tarball(name, with_package_json(files, {"version": version}))


def retarget(tgz: Artifact, update: Mapping[str, Any]) -> Artifact:
    """`tgz` with its package.json updated (see `with_package_json`)."""
    files: list[tuple[str, bytes]] = []
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(tgz.data)), mode="r") as tar:
        for member in tar.getmembers():
            f = tar.extractfile(member)
            if f is not None:
                files.append((member.name.removeprefix("package/"), f.read()))
    return build_tarball(tgz.filename, with_package_json(files, update))


def manifest_of(tgz: Artifact) -> dict[str, Any]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(tgz.data)), mode="r") as tar:
        f = tar.extractfile("package/package.json")
        doc = json.loads(f.read()) if f is not None else {}
    return doc if isinstance(doc, dict) else {}


def build_tarball(filename: str, files: Iterable[tuple[str, bytes]]) -> Artifact:
    """A gzipped tar of `files` (path relative to the package root, contents) under `package/`."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files):
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            info.mtime = _MTIME
            info.mode = 0o644
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return Artifact(filename, gzip.compress(raw.getvalue(), compresslevel=6, mtime=0), MEDIA_TYPE)


def directory_files(root: Path, include: Iterable[str] | None = None) -> list[tuple[str, bytes]]:
    """Files of a package directory, without node_modules. `include` mirrors package.json's
    `files` (top-level names); package.json, README and LICENSE are always kept, as npm does."""
    keep = None if include is None else {p.strip("./").split("/")[0] for p in include}
    out: list[tuple[str, bytes]] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in _SKIP_DIRS for part in rel.parts) or not path.is_file():
            continue
        top = rel.parts[0]
        always = len(rel.parts) == 1 and (
            top == "package.json" or top.upper().startswith(("README", "LICENSE"))
        )
        if keep is not None and not always and top not in keep:
            continue
        out.append((rel.as_posix(), path.read_bytes()))
    return out


def with_package_json(
    files: list[tuple[str, bytes]], update: Mapping[str, Any]
) -> list[tuple[str, bytes]]:
    """`files` with package.json's top-level keys updated (dependency rewrites, version) and its
    build-only keys dropped."""
    out: list[tuple[str, bytes]] = []
    for name, data in files:
        if name == "package.json":
            doc = json.loads(data)
            for key in BUILD_ONLY_KEYS:
                doc.pop(key, None)
            for key, value in update.items():
                if isinstance(value, dict) and isinstance(doc.get(key), dict):
                    doc[key] = {**doc[key], **value}
                else:
                    doc[key] = value
            data = (json.dumps(doc, indent=2) + "\n").encode("utf-8")
        out.append((name, data))
    return out


# -- the runtime ---------------------------------------------------------------------------


def runtime_dir() -> Path:
    """Where the TypeScript runtime's sources live: $GRAFTC_TS_RUNTIME or the repository's."""
    env = os.environ.get("GRAFTC_TS_RUNTIME")
    if env:
        return Path(env)
    return Path(graftc.__file__).resolve().parents[2] / "runtime" / "typescript"


def _runtime_manifest() -> tuple[Path, dict[str, Any]]:
    root = runtime_dir()
    try:
        doc = json.loads((root / "package.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise RuntimeUnavailable(
            f"no TypeScript runtime at {root} (set GRAFTC_TS_RUNTIME to runtime/typescript)"
        ) from None
    return root, doc


def runtime_version() -> str:
    return str(_runtime_manifest()[1]["version"])


def ensure_runtime_built() -> Path:
    """The TypeScript runtime's directory, compiled (`npm run build`) if it never was or its
    sources changed since (a checkout's stale dist/ would give packages an old runtime)."""
    root, doc = _runtime_manifest()
    built = root / str(doc.get("main", "dist/index.js"))
    if not built.is_file() or _newest_source(root) > built.stat().st_mtime:
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


def browser_runtime() -> BrowserRuntime:
    """The runtime's browser entry as ES modules (its compiled `dist/`), with its one browser
    dependency, @msgpack/msgpack (its `dist.esm/`), mapped by an import map: browsers load it
    as is, with no bundler on the developer's machine (Vision's "Try it")."""
    root = ensure_runtime_built()
    dist = root / "dist"
    files = {
        p.relative_to(dist).as_posix(): p
        for p in [*dist.glob("*.js"), *dist.glob("transports/*.js")]
    }
    esm = root / "node_modules" / "@msgpack" / "msgpack" / "dist.esm"
    files.update({"msgpack/" + p.relative_to(esm).as_posix(): p for p in esm.rglob("*.mjs")})
    return BrowserRuntime(files, "browser.js", {"@msgpack/msgpack": "msgpack/index.mjs"})


def runtime_tarball() -> Artifact:
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
    filename = naming.tarball_filename(RUNTIME_PACKAGE, str(doc["version"]))
    return build_tarball(filename, with_package_json(files, update))


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
    local = runtime_dir() / "node_modules" / ".bin" / "tsc"
    if local.is_file():
        return local
    found = shutil.which("tsc")
    return Path(found) if found else None


def compile_typescript(package_dir: Path) -> None:
    """Compile a generated package in place (src -> dist), against the runtime."""
    tsc = find_tsc()
    if tsc is None:
        raise RuntimeUnavailable(
            "no TypeScript compiler found: run `make node-deps` or set GRAFTC_TSC"
        )
    runtime = ensure_runtime_built()
    modules = package_dir / "node_modules"
    modules.mkdir(exist_ok=True)
    link = modules / RUNTIME_PACKAGE
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
        raise PackError("tsc failed:\n" + "\n".join(out[:20]))


def _newest_source(root: Path) -> float:
    sources = [*(root / "src").rglob("*.ts"), root / "package.json", root / "tsconfig.json"]
    return max((p.stat().st_mtime for p in sources if p.is_file()), default=0.0)
