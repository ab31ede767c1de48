"""The names a module's client packages go by, one rule for every package manager.

A package is `graft-` and the module name in lower case, each run of characters other than
ASCII letters and digits becoming one `-`, with none at either end: `shop` gives `graft-shop`,
`My.Mod` and `my_mod` give `graft-my-mod`, `a+b` gives `graft-a-b`. That one spelling is
already PEP 503-normalized (pip's index, the wheel's metadata and Vision print it unchanged),
a valid PEP 508 name, and a valid new npm package name, so no target and no route re-spells it.
Languages that import a package by an identifier use the same name with `_` for `-`.
"""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_ID = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
# semver.org 2.0.0, as both npm and the IDL read it; groups 1-3 are the numbers.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    rf"(?:-(?P<pre>{_ID}(?:\.{_ID})*))?"
    r"(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


class VersionError(ValueError):
    """The module's version cannot be spelled in a package manager's version syntax."""


def package_name(module: str) -> str:
    """`graft-<module>`, normalized as the module docstring says."""
    stem = _NOT_ALNUM.sub("-", module.lower()).strip("-")
    return f"graft-{stem}" if stem else "graft"


def import_name(module: str) -> str:
    """`graft_<module>`: the package name as an identifier."""
    return package_name(module).replace("-", "_")


def env_prefix(module: str) -> str:
    """`GRAFT_SHOP_` for `shop`, `GRAFT_MY_MOD_` for `my.mod`: what both runtimes read
    (`GRAFT_<MODULE>_URL`, ...) for a module name made of ASCII identifiers, as IDL names are."""
    return "GRAFT_" + re.sub(r"[^A-Z0-9]", "_", module.upper()) + "_"


def semantic_version(version: str, tool: str) -> str:
    """`version` as a semantic version: without a leading `v`, `1.2` padded to `1.2.0`;
    VersionError (naming `tool`, the package manager that needs it) when it is none."""
    v = version.strip().removeprefix("v")
    if re.fullmatch(r"\d+(?:\.\d+)?", v):
        parts = [str(int(p)) for p in v.split(".")]
        v = ".".join(parts + ["0"] * (3 - len(parts)))
    if not SEMVER.match(v):
        raise VersionError(
            f"module version {version!r} is not a semantic version (e.g. 1.2.0) as {tool} needs"
        )
    return v


def with_build(version: str, build: int) -> str:
    """A semantic version for build number `build` of a surface (`1.2.0-build.1`): semver has
    no post-release, so it is a prerelease tag; build metadata is dropped."""
    base = version.split("+", 1)[0]
    return f"{base}{'.' if '-' in base else '-'}build.{build}"
