"""The gateway as an npm registry, under `/npm`:

    GET /npm/<package>-<version>.tgz     tarballs: the clients and graftcode-runtime
    GET /npm/<package>/-/<file>.tgz      the same, at the registry-style URL
    GET /npm/<package>                   a packument (for `npm install --registry`)

A client tarball's `graftcode-runtime` dependency is the runtime tarball's URL on this gateway
(no registry has it), so tarballs are specific to the host name they were fetched by.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graftc.targets.common import serving
from graftc.targets.common.serving import (
    Artifact,
    BrowserRuntime,
    Endpoints,
    PackageHost,
    Reply,
    RuntimeUnavailable,
    UnknownPackage,
    not_found,
)
from graftc.targets.typescript import naming, package

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!-]*$")


class TypeScriptIndex:
    prefix = "npm"
    links: tuple[tuple[str, str], ...] = ()

    def served_version(self, version: str, build: int) -> str:
        return naming.package_version(version, build)

    def call_url(self, endpoints: Endpoints) -> str | None:
        # WebSocket first: the same package runs in browsers, which have no TCP
        return endpoints.ws or endpoints.tcp

    def pack(self, project: Path, version: str) -> Artifact:
        return package.pack(project, version)

    def browser_runtime(self) -> BrowserRuntime:
        """The runtime for browsers, which Vision's "Try it" calls through."""
        return package.browser_runtime()

    def handle(self, path: Sequence[str], host: PackageHost) -> Reply:
        if len(path) == 1:
            if path[0].endswith(".tgz"):
                return _tarball(path[0], host)
            return _packument(path[0], host)
        if len(path) == 3 and path[1] == "-":  # registry-style tarball URL
            return _tarball(path[2], host)
        return not_found("/npm/" + "/".join(path))


def _runtime(host: PackageHost) -> Artifact:
    return host.once(("runtime",), package.runtime_tarball)


def _runtime_url(host: PackageHost) -> str:
    filename = naming.tarball_filename(package.RUNTIME_PACKAGE, package.runtime_version())
    return f"{host.base_url}/npm/{filename}"


def _client(host: PackageHost, module: str) -> Artifact:
    """The module's tarball, depending on the runtime tarball on this gateway."""
    built = host.artifact(module)
    spec = _runtime_url(host)
    update = {"dependencies": {package.RUNTIME_PACKAGE: spec}}
    return host.once(("tgz", built.sha256, spec), lambda: package.retarget(built, update))


def _tarball(filename: str, host: PackageHost) -> Reply:
    if not _SAFE_NAME.match(filename):
        return not_found(filename)
    for name in host.modules():
        pkg = naming.package_name(name)
        if filename.startswith(pkg + "-"):
            if filename == naming.tarball_filename(pkg, host.version(name)):
                return _client(host, name).reply()
    if filename.startswith(package.RUNTIME_PACKAGE + "-"):
        try:
            version = package.runtime_version()
        except RuntimeUnavailable:
            return not_found(filename)
        if filename == naming.tarball_filename(package.RUNTIME_PACKAGE, version):
            return _runtime(host).reply()
    return not_found(filename)


def _packument(name: str, host: PackageHost) -> Reply:
    if name == package.RUNTIME_PACKAGE:
        tgz = _runtime(host)
        version = package.runtime_version()
    else:
        module = next((m for m in host.modules() if naming.package_name(m) == name), None)
        if module is None:
            raise UnknownPackage(f"no package {name!r}")
        version = host.version(module)
        tgz = _client(host, module)
    url = f"{host.base_url}/npm/{tgz.filename}"
    doc = packument(name, version, url, tgz, package.manifest_of(tgz))
    return serving.text(200, doc, "application/json")


def packument(
    name: str, version: str, tarball_url: str, tgz: Artifact, manifest: dict[str, Any]
) -> str:
    """A registry document with one version, enough for `npm install --registry`."""
    entry = {
        **{k: v for k, v in manifest.items() if k not in package.BUILD_ONLY_KEYS},
        "name": name,
        "version": version,
        "dist": {"tarball": tarball_url, "shasum": tgz.sha1, "integrity": tgz.integrity},
    }
    return json.dumps(
        {"name": name, "dist-tags": {"latest": version}, "versions": {version: entry}}
    )


INDEX = TypeScriptIndex()
