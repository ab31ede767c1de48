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
    """The PEP 440 version served for module version `version` at build number `build`.

    Module versions are semantic versions (the IDL's rule; the exporter converts PEP 440 ones),
    converted back here: `1.2.0-rc.1` -> `1.2.0rc1`, `1.0.0-dev.3` -> `1.0.0.dev3`,
    `1.0.0+post.2` -> `1.0.0.post2`. Plain PEP 440 spellings are accepted too.
    A changed surface under an unchanged version becomes a post-release (`1.2.0.post1`), which
    pip orders after `1.2.0`, so `pip install -U` picks it up. (A version already carrying
    post-release P gets post P*1000+build, still ordered after P and before P+1's builds.)
    """
    parts = _pep440_parts(version)
    if parts is None:
        raise VersionError(
            f"module version {version!r} has no PEP 440 spelling pip accepts "
            "(use MAJOR.MINOR.PATCH, optionally -alpha.N, -beta.N, -rc.N or -dev.N)"
        )
    release, pre, post, dev = parts
    if build:
        post = build if post is None else post * 1000 + build
    text = release + pre
    if post is not None:
        text += f".post{post}"
    if dev is not None:
        text += f".dev{dev}"
    return text


_PRE_TAGS = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "rc": "rc", "c": "rc", "pre": "rc"}


def _pep440_parts(version: str) -> tuple[str, str, int | None, int | None] | None:
    """(release, pre, post, dev) from a semver or canonical PEP 440 version, else None."""
    v = version.strip()
    if v[:1] in ("v", "V"):
        v = v[1:]
    m = _PEP440.match(v.lower())
    if m and not m.group("epoch") and not m.group("local"):
        post = m.group("post")
        dev = m.group("dev")
        return (
            m.group("release"),
            m.group("pre") or "",
            int(post[5:]) if post else None,
            int(dev[4:]) if dev else None,
        )
    sm = _SEMVER.match(v)
    if sm is None:
        return None
    release = ".".join(sm.group(i) for i in (1, 2, 3))
    pre, post, dev = "", None, None
    ids = (sm.group(4) or "").split(".") if sm.group(4) else []
    i = 0
    while i < len(ids):
        tag = ids[i].lower()
        num = int(ids[i + 1]) if i + 1 < len(ids) and ids[i + 1].isdigit() else None
        step = 2 if num is not None else 1
        if tag in _PRE_TAGS and not pre and dev is None:
            pre = f"{_PRE_TAGS[tag]}{num or 0}"
        elif tag == "dev" and dev is None:
            dev = num or 0
        else:
            return None
        i += step
    meta = (sm.group(5) or "").split(".") if sm.group(5) else []
    if len(meta) == 2 and meta[0] == "post" and meta[1].isdigit():
        post = int(meta[1])
    elif meta:
        return None  # other build metadata has no PEP 440 public spelling
    return release, pre, post, dev


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
