"""Python names: the distribution and import package, PEP 440 versions and wheel file names,
and the escaping of IDL names that Python reserves.

Escaping is common.scopes' rule: a name that is a Python keyword, shadows a builtin, or
collides with a name the generated code itself uses in that scope gets a trailing underscore.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable

from graftc.targets.common import naming as common
from graftc.targets.common.naming import VersionError
from graftc.targets.common.scopes import escape as _escape

LANGUAGE = "Python"

# Soft keywords (`match`, `case`, `type`, `_`) are fine as identifiers; only hard ones are not.
KEYWORDS = frozenset(keyword.kwlist)
BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))

# Names the generated modules define or import at module level.
MODULE_RESERVED = frozenset(
    {
        "annotations",
        "binding",
        "configure",
        "connect",
        "connect_async",
        "settings",
        "dataclass",
        "field",
        "enum",
        "datetime",
        "decimal",
        "uuid",
        "weakref",
        "deprecated",
        "Mapping",
        "Sequence",
        "Awaitable",
        "NoReturn",
        "Channel",
        "AsyncChannel",
        "Callable",
        "MappingProxyType",
        "Proxy",
        "AsyncProxy",
        "wire",
        "from_remote",
        "RemoteError",
        "MODULE_NAME",
        "MODULE_VERSION",
        "SCHEMA_HASH",
    }
)
# Names generated method bodies use next to the parameters (`self`, `cls`, the channel `ch`).
PARAM_RESERVED = frozenset({"self", "cls", "ch"})
# Members every proxy or client has.
CLIENT_RESERVED = frozenset({"close", "with_options", "channel", "_ch"})
_PROXY_INTERNALS = frozenset(
    {"_ch", "_id", "_ref", "_finalizer", "_attach", "_from_wire", "_to_wire", "_live_id"}
)
SYNC_PROXY_RESERVED = frozenset({"close", "instance_id", "channel"}) | _PROXY_INTERNALS
ASYNC_PROXY_RESERVED = frozenset({"aclose", "create", "instance_id", "channel"}) | _PROXY_INTERNALS


ENUM_RESERVED = frozenset({"name", "value", "mro"})
ERROR_RESERVED = frozenset({"message", "args", "with_traceback", "add_note", "self"})


def escape(name: str, reserved: Iterable[str] = ()) -> str:
    """For names that become variables (parameters, module-level names): `class` -> `class_`,
    `list` -> `list_` (a parameter called `list` would hide the builtin from generated code)."""
    return _escape(name, KEYWORDS, BUILTINS, frozenset(reserved))


def attribute(name: str, reserved: Iterable[str] = ()) -> str:
    """For names only ever read as attributes (record fields, methods, properties, enum
    members): `order.id` shadows nothing, so only keywords and `reserved` are escaped."""
    return _escape(name, KEYWORDS, frozenset(reserved))


def pascal(name: str) -> str:
    """`shop` -> `Shop`, `order_service` -> `OrderService`, `Cart` stays."""
    parts = [p for p in re.split(r"[_\W]+", name) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts) or "Module"


def snake(name: str) -> str:
    """`LineItem` -> `line_item`, `HTTPCode` -> `http_code`."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


# -- packages --------------------------------------------------------------------------------

distribution_name = common.package_name
import_name = common.import_name


def default_dir(module: str) -> str:
    """`graftc build`'s output: the project directory is named like the distribution."""
    return distribution_name(module)


_PEP503_RUN = re.compile(r"[-_.]+")


def normalize_project(name: str) -> str:
    """PEP 503 normalization: runs of `-_.` become `-`, lowercase."""
    return _PEP503_RUN.sub("-", name).lower()


def wheel_stem(distribution: str) -> str:
    """The distribution as spelled in wheel file names (PEP 427: `-_.` runs become `_`)."""
    return _PEP503_RUN.sub("_", distribution).lower()


def wheel_filename(distribution: str, version: str) -> str:
    return f"{wheel_stem(distribution)}-{version}-py3-none-any.whl"


# PEP 440 public versions in their canonical spelling (what we emit and accept from modules).
_PEP440 = re.compile(
    r"^(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?P<pre>(?:a|b|rc)\d+)?(?P<post>\.post\d+)?(?P<dev>\.dev\d+)?"
    r"(?:\+(?P<local>[a-z0-9]+(?:\.[a-z0-9]+)*))?$"
)
_PRE_TAGS = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "rc": "rc", "c": "rc", "pre": "rc"}


def package_version(version: str, build: int) -> str:
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
    sm = common.SEMVER.match(v)
    if sm is None:
        return None
    release = ".".join(sm.group(i) for i in (1, 2, 3))
    pre, post, dev = "", None, None
    ids = sm.group("pre").split(".") if sm.group("pre") else []
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
    meta = sm.group("build").split(".") if sm.group("build") else []
    if len(meta) == 2 and meta[0] == "post" and meta[1].isdigit():
        post = int(meta[1])
    elif meta:
        return None  # other build metadata has no PEP 440 public spelling
    return release, pre, post, dev
