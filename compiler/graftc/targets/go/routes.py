"""The gateway as a Go module proxy (the GOPROXY protocol), under `/go`:

    GET /go/<module path>/@v/list               the version served (one line)
    GET /go/<module path>/@v/<version>.info     {"Version": ..., "Time": ...}
    GET /go/<module path>/@v/<version>.mod      the go.mod
    GET /go/<module path>/@v/<version>.zip      the module zip
    GET /go/<module path>/@latest               as .info

for each hosted module's client (`graftcode.dev/g/<module>`) and for the runtime
(`graftcode.dev/runtime`). Anything else is a plain-text 404, which tells `go` to try the next
proxy in its list (it probes parent paths and the checksum database's).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from graftc.targets.common import serving
from graftc.targets.common.serving import Artifact, Endpoints, PackageHost, Reply, not_found
from graftc.targets.go import naming, package

# Go's module cache keys on the version; the time only orders versions in `go list -m -versions`.
_TIME = "2024-01-01T00:00:00Z"
_Make = Callable[[], Artifact]
_FILE = re.compile(r"^(v[0-9A-Za-z.+-]+)\.(info|mod|zip)$")


def decode_path(escaped: str) -> str:
    """Undo GOPROXY case encoding: `!x` is `X`."""
    return re.sub(r"!([a-z])", lambda m: m.group(1).upper(), escaped)


class GoIndex:
    prefix = "go"
    links: tuple[tuple[str, str], ...] = ()

    def served_version(self, version: str, build: int) -> str:
        return naming.version(version, build)

    def call_url(self, endpoints: Endpoints) -> str | None:
        return endpoints.tcp or endpoints.ws  # Go programs have TCP

    def pack(self, project: Path, version: str) -> Artifact:
        return package.pack(project, version)

    def handle(self, path: Sequence[str], host: PackageHost) -> Reply:
        parts = list(path)
        if "@v" in parts and parts.index("@v") == len(parts) - 2:
            module_path, what = "/".join(parts[:-2]), parts[-1]
        elif parts[-1] == "@latest":
            module_path, what = "/".join(parts[:-1]), "@latest"
        else:
            return not_found("/go/" + "/".join(parts))
        found = _lookup(decode_path(module_path), host)
        if found is None:
            return not_found(f"no module {module_path}")
        version, artifact = found
        info = json.dumps({"Version": version, "Time": _TIME})
        if what == "list":
            return serving.text(200, version + "\n")
        if what == "@latest":
            return serving.text(200, info, "application/json")
        m = _FILE.match(what)
        if m is None or m.group(1) != version:
            return not_found(f"{module_path}@{what}")
        if m.group(2) == "info":
            return serving.text(200, info, "application/json")
        zipped = artifact()
        if m.group(2) == "mod":
            return serving.Reply(
                200,
                (("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-cache")),
                package.go_mod_of(zipped),
            )
        return zipped.reply()


def _lookup(module_path: str, host: PackageHost) -> tuple[str, _Make] | None:
    """The version served for `module_path`, and how to get its zip (built on demand: `list`
    and `.info` never generate anything)."""
    if module_path == naming.RUNTIME_MODULE:
        return package.RUNTIME_VERSION, lambda: host.once(("runtime",), package.runtime_zip)
    for name in host.modules():
        if not module_path.startswith(naming.module_path(name)):
            continue
        version = host.version(name)
        if naming.versioned_path(name, version) == module_path:
            return version, functools.partial(host.artifact, name)
    return None


INDEX = GoIndex()
