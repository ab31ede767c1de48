"""TypeScript names: the npm package, semver versions and tarball file names, camelCase members,
PascalCase types, and the escaping of IDL names TypeScript reserves (common.scopes' rule)."""

from __future__ import annotations

import re

from graftc.targets.common import naming as common
from graftc.targets.common.scopes import escape

LANGUAGE = "TypeScript"

# Reserved words and strict-mode words that cannot name a parameter or a local binding.
RESERVED = frozenset(
    """
    break case catch class const continue debugger default delete do else enum export extends
    false finally for function if import in instanceof new null return super switch this throw
    true try typeof var void while with as implements interface let package private protected
    public static yield await arguments eval
    """.split()
)
# Members a proxy or service class already has, and `then` (a method called `then` would make
# every proxy a thenable, which `await` would try to call).
MEMBER_RESERVED = frozenset(
    {"close", "id", "released", "then", "constructor", "client", "toString", "toJSON"}
)
# Names a generated method's signature and body use next to the IDL's positional parameters.
BODY_NAMES = frozenset({"options"})
CALL_OPTION_KEYS = frozenset({"timeoutMs", "signal", "metadata"})
# Properties every generated error has from Error and RemoteError.
ERROR_PROPERTIES = frozenset(
    {"name", "message", "code", "stack", "cause", "fields", "typeName", "remoteTraceback"}
)

_WORD = re.compile(r"[A-Za-z0-9]+")
# what npm publishes and installs (validate-npm-package-name's rules for new packages)
_NPM_NAME = re.compile(r"(?=.{1,214}$)(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*")

package_name = common.package_name
env_prefix = common.env_prefix


def default_dir(module: str) -> str:
    """`graftc build`'s output: not the package name alone, since a build for another target
    (Python's is `graft-<module>`) may sit next to it."""
    return f"{package_name(module)}-typescript"


def camel(name: str) -> str:
    """`list_products` -> `listProducts`; leading underscores are kept (`_x` -> `_x`)."""
    stripped = name.lstrip("_")
    lead = name[: len(name) - len(stripped)]
    parts = [p for p in stripped.split("_") if p]
    if not parts:
        return name
    head, *rest = parts
    return lead + head[:1].lower() + head[1:] + "".join(p[:1].upper() + p[1:] for p in rest)


def pascal(name: str) -> str:
    """`list_products` -> `ListProducts`; `Cart` stays `Cart`."""
    return "".join(p[:1].upper() + p[1:] for p in _WORD.findall(name))


def binding(name: str) -> str:
    """A parameter's name: camelCase, reserved words escaped."""
    return escape(camel(name), RESERVED)


def member(name: str) -> str:
    """A method's name on a proxy or service class."""
    return escape(camel(name), MEMBER_RESERVED)


def variable(decl: str) -> str:
    """A variable holding an instance of class `decl` (`LineItem` -> `lineItem`)."""
    return escape(decl[:1].lower() + decl[1:], RESERVED)


def is_npm_name(name: str) -> bool:
    return _NPM_NAME.fullmatch(name) is not None


def tarball_filename(package: str, version: str) -> str:
    return f"{package}-{version}.tgz"


def package_version(version: str, build: int) -> str:
    """The semver version served for `version` at build number `build`.

    `1.2` is padded to `1.2.0`. A changed surface under the same version becomes `1.2.0-build.1`;
    semver has no post-release, so it is a prerelease tag that npm's `latest` dist-tag points at.
    """
    v = common.semantic_version(version, "npm")
    return v if build == 0 else common.with_build(v, build)
