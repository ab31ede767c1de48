"""Package names and versions as every package manager sees them.

One place decides them, because Vision prints install commands, the index lists files and the
generators write metadata, and all three must agree byte for byte:

- Python: distribution `graft-<module>`, import package `graft_<module>`, wheel file
  `graft_<module>-<version>-py3-none-any.whl`.
- npm: package `graft-<module>` (lowercase, `_` and `.` become `-`), tarball
  `graft-<module>-<version>.tgz`.
"""

from __future__ import annotations

import re

_PEP503_RUN = re.compile(r"[-_.]+")
# PEP 440 public versions in their canonical spelling (what we emit and accept from modules).
_PEP440 = re.compile(
    r"^(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?P<pre>(?:a|b|rc)\d+)?(?P<post>\.post\d+)?(?P<dev>\.dev\d+)?(?:\+(?P<local>[a-z0-9]+(?:\.[a-z0-9]+)*))?$"
)
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_PLAIN_RELEASE = re.compile(r"^\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?$")


class VersionError(ValueError):
    """The module's version cannot be spelled in a package manager's version syntax."""


def normalize_project(name: str) -> str:
    """PEP 503 normalization: runs of `-_.` become `-`, lowercase."""
    return _PEP503_RUN.sub("-", name).lower()


def python_distribution(module: str) -> str:
    return normalize_project(f"graft-{module}")


def python_import_package(module: str) -> str:
    return "graft_" + re.sub(r"[-.]+", "_", module).lower()


def wheel_stem(distribution: str) -> str:
    """The distribution as spelled in wheel file names (PEP 427: `-_.` runs become `_`)."""
    return _PEP503_RUN.sub("_", distribution).lower()


def wheel_filename(distribution: str, version: str) -> str:
    return f"{wheel_stem(distribution)}-{version}-py3-none-any.whl"


def npm_package(module: str) -> str:
    return "graft-" + _PEP503_RUN.sub("-", module).lower()


def tarball_filename(package: str, version: str) -> str:
    return f"{package}-{version}.tgz"


def python_version(version: str, build: int) -> str:
    """The PEP 440 version served for `version` at build number `build` (0 = the first surface).

    A changed surface under an unchanged module version becomes a post-release (`1.2.0.post1`),
    which pip orders after `1.2.0`, so `pip install -U` picks it up.
    """
    v = version.strip().lower()
    if v.startswith("v"):
        v = v[1:]
    if not _PEP440.match(v):
        raise VersionError(
            f"module version {version!r} is not a PEP 440 version (e.g. 1.2.0); "
            "set the module's __version__ to one"
        )
    if build == 0:
        return v
    if _PLAIN_RELEASE.match(v):
        return f"{v}.post{build}"
    if "+" not in v:
        return f"{v}+build{build}"
    return f"{v}.build{build}"


def npm_version(version: str, build: int) -> str:
    """The semver version served for `version` at build number `build`.

    `1.2` is padded to `1.2.0`. A changed surface under the same version becomes `1.2.0-build.1`;
    semver has no post-release, so it is a prerelease tag that npm's `latest` dist-tag points at.
    """
    v = version.strip()
    if v.startswith("v"):
        v = v[1:]
    if re.fullmatch(r"\d+(?:\.\d+)?", v):
        parts = [str(int(p)) for p in v.split(".")]
        v = ".".join(parts + ["0"] * (3 - len(parts)))
    m = _SEMVER.match(v)
    if not m:
        raise VersionError(
            f"module version {version!r} is not a semantic version (e.g. 1.2.0) as npm needs"
        )
    if build == 0:
        return v
    base = v.split("+", 1)[0]
    sep = "." if "-" in base else "-"
    return f"{base}{sep}build.{build}"
