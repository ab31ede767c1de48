"""The graftcode runtime itself, packaged for the gateway's own indexes.

Generated clients depend on `graftcode-runtime`, which is on neither PyPI nor npm, so the gateway
serves it next to the clients: pip resolves it from the same `--extra-index-url`, and the npm
tarball's dependency points at the runtime tarball's URL on the gateway.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
from pathlib import Path

import graftcode_runtime

import graftc
from graftc.devserver.tarball import Tarball, build_tarball, directory_files
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


def runtime_tarball() -> Tarball:
    """The TypeScript runtime as npm would pack it, compiling it first if it was never built."""
    root = typescript_runtime_dir()
    try:
        doc = json.loads((root / "package.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise RuntimeUnavailable(
            f"no TypeScript runtime at {root} (set GRAFTC_TS_RUNTIME to runtime/typescript)"
        ) from None
    main = root / str(doc.get("main", "dist/index.js"))
    if not main.is_file():
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
    files = directory_files(root, doc.get("files"))
    return build_tarball(f"{RUNTIME_NPM}-{doc['version']}.tgz", files)
