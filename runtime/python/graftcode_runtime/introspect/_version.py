"""The version written in the IDL header: explicit, else `__version__`, else the distribution's.

The IDL wants a semantic version (MAJOR.MINOR.PATCH[-PRE][+BUILD]); Python versions follow PEP 440,
so common forms are converted: `1.2` -> `1.2.0`, `2.0rc1` -> `2.0.0-rc.1`, `1.0.dev3` ->
`1.0.0-dev.3`, `1.0.post2` -> `1.0.0+post.2`. Other forms (epochs, four-part releases) are an
error that says to pass --version.
"""

from __future__ import annotations

import importlib.metadata
import re
import types

from ._problems import ExportError, Problem

_NUM = r"(0|[1-9][0-9]*)"
_PRE_ID = r"(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER_RE = re.compile(
    rf"{_NUM}\.{_NUM}\.{_NUM}"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\Z"
)
_PEP440 = re.compile(
    r"v?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?:[-_.]?(?P<pre>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?"
    r"(?:[-_.]?(?P<post_tag>post|rev|r)[-_.]?(?P<post>[0-9]+)?|-(?P<post_implicit>[0-9]+))?"
    r"(?:[-_.]?(?P<dev_tag>dev)[-_.]?(?P<dev>[0-9]+)?)?"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\Z",
    re.IGNORECASE,
)
_PRE_NAMES = {"a": "alpha", "alpha": "alpha", "b": "beta", "beta": "beta"}


def to_semver(version: str) -> str | None:
    """`version` as a semantic version, or None when it has no faithful conversion."""
    version = version.strip()
    if SEMVER_RE.match(version):
        return version
    m = _PEP440.match(version)
    if m is None:
        return None
    release = [int(part) for part in m["release"].split(".")]
    if len(release) > 3:
        return None
    release += [0] * (3 - len(release))
    text = ".".join(str(n) for n in release)
    pre: list[str] = []
    if m["pre"]:
        pre += [_PRE_NAMES.get(m["pre"].lower(), "rc"), str(int(m["pre_n"] or 0))]
    if m["dev_tag"]:
        pre += ["dev", str(int(m["dev"] or 0))]
    if pre:
        text += "-" + ".".join(pre)
    build: list[str] = []
    post = m["post"] or m["post_implicit"]
    if m["post_tag"] or post is not None:
        build += ["post", str(int(post or 0))]
    if m["local"]:
        build += re.split(r"[-_.]", m["local"])
    if build:
        text += "+" + ".".join(build)
    return text if SEMVER_RE.match(text) else None


def resolve_version(module: types.ModuleType, explicit: str | None, file: str) -> tuple[str, str]:
    """(the semantic version, the version as found)."""
    found, source = _find(module, explicit, file)
    converted = to_semver(found)
    if converted is None:
        raise _error(
            module,
            f"the version {found!r} ({source}) is not a semantic version and has no "
            'conversion to one; pass --version with MAJOR.MINOR.PATCH such as "1.0.0"',
            file,
        )
    return converted, found


def _find(module: types.ModuleType, explicit: str | None, file: str) -> tuple[str, str]:
    if explicit is not None:
        if not explicit.strip():
            raise _error(module, "the version given is empty", file)
        return explicit, "given"
    declared = getattr(module, "__version__", None)
    if declared is not None:
        if isinstance(declared, str) and declared.strip():
            return declared, "from __version__"
        raise _error(
            module,
            f"`__version__` is {declared!r}, not a version string; write "
            '`__version__ = "1.0.0"` or pass --version',
            file,
        )
    top = module.__name__.split(".")[0]
    for dist in sorted(importlib.metadata.packages_distributions().get(top, [])):
        try:
            return importlib.metadata.version(dist), f"of the installed distribution {dist}"
        except importlib.metadata.PackageNotFoundError:
            continue
    raise _error(
        module,
        f"module {module.__name__!r} has no version: pass --version 1.0.0, add "
        '`__version__ = "1.0.0"` to the module, or install it as a distribution',
        file,
    )


def _error(module: types.ModuleType, message: str, file: str) -> ExportError:
    return ExportError([Problem(module.__name__, message, file, 0)])
