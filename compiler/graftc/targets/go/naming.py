"""Go names: module paths, the package name, `v`-prefixed semantic versions and GOPROXY paths,
exported (PascalCase) and unexported (camelCase) identifiers with Go's initialisms, and the
escaping of IDL names Go reserves (common.scopes' rule).

One rule gives every generated module its path: `graftcode.dev/g/` and the package stem of
`common.naming` (`shop` gives `graftcode.dev/g/shop`, `acme.edge` gives
`graftcode.dev/g/acme-edge`). Paths are lower case, so the GOPROXY's case encoding (`!x` for
`X`) never applies to them. The runtime is `graftcode.dev/runtime`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from graftcode_runtime import ugm

from graftc.targets.common import naming as common
from graftc.targets.common.scopes import escape

LANGUAGE = "Go"

MODULE_ROOT = "graftcode.dev/g"
RUNTIME_MODULE = "graftcode.dev/runtime"
# The paths Vision tells `go` to take from the gateway without the public checksum database.
NOSUMDB = "graftcode.dev"
GO_VERSION = "1.22"  # the `go` line of generated go.mod files (the runtime's own)

KEYWORDS = frozenset(
    """
    break case chan const continue default defer else fallthrough for func go goto if import
    interface map package range return select struct switch type var
    """.split()
)
# Predeclared identifiers: a parameter called `string` would hide the type from the body.
PREDECLARED = frozenset(
    """
    any bool byte comparable complex64 complex128 error float32 float64 int int8 int16 int32
    int64 rune string uint uint8 uint16 uint32 uint64 uintptr true false iota nil append cap
    clear close complex copy delete imag len make max min new panic print println real recover
    """.split()
)
# Names generated method bodies use next to the parameters.
BODY_NAMES = frozenset(
    {"ctx", "opts", "call", "out", "err", "zero", "v", "c", "x", "graft", "context", "time"}
    | {"mapError", "badWire", "errorText", "parseTime", "intKeyed"}  # the package's helpers
)
# Prefixes of the package's own conversion functions (`toWireStr`, `decodeProduct`).
HELPER_PREFIXES = ("toWire", "fromWire", "decode")
# Methods every instance handle or client has.
HANDLE_RESERVED = frozenset({"Close", "ID", "Channel", "String", "Error"})
CLIENT_RESERVED = frozenset({"Close", "Channel"})
# What an error type defines besides its fields.
ERROR_RESERVED = frozenset({"Error", "Unwrap", "Remote", "Is", "As"})

# golint's common initialisms: `user_id` becomes `UserID`, `url` becomes `URL`.
INITIALISMS = frozenset(
    """
    ACL API ASCII CPU CSS DNS EOF GUID HTML HTTP HTTPS ID IP JSON LHS QPS RAM RHS RPC SLA SMTP SQL
    SSH TCP TLS TTL UDP UI UID UUID URI URL UTF8 VM XML XMPP XSRF XSS
    """.split()
)

_WORD = re.compile(r"[A-Za-z][a-z0-9]*|[0-9]+|[A-Z]+(?![a-z])")


def module_path(module: str) -> str:
    """`graftcode.dev/g/<stem>`: the one rule for every generated Go module."""
    stem = common.package_name(module).partition("-")[2]  # the package name without its prefix
    return f"{MODULE_ROOT}/{stem or 'graft'}"


def package_name(module: str) -> str:
    """The Go package name: the path's last element without `-` (`acme-edge` -> `acmeedge`)."""
    name = module_path(module).rsplit("/", 1)[1].replace("-", "")
    if name[0].isdigit():
        name = "g" + name
    return escape(name, KEYWORDS, PREDECLARED, {"graft", "context", "time", "errors", "fmt"})


def default_dir(module: str) -> str:
    """`graftc build`'s output: the package stem with `-go`, beside the other targets' folders."""
    return f"{common.package_name(module)}-go"


def _words(name: str) -> list[str]:
    return [w for part in re.split(r"[^A-Za-z0-9]+", name) for w in _WORD.findall(part)]


def exported(name: str) -> str:
    """`list_products` -> `ListProducts`, `user_id` -> `UserID`, `Cart` -> `Cart`."""
    out = []
    for w in _words(name):
        upper = w.upper()
        out.append(upper if upper in INITIALISMS else w[:1].upper() + w[1:])
    text = "".join(out) or "X"
    return "X" + text if text[0].isdigit() else text


def handle_member(name: str) -> str:
    """A method of an instance handle: exported, `Close_` for a method called `close`."""
    return escape(exported(name), HANDLE_RESERVED)


def client_member(name: str) -> str:
    """A method of the module's Client."""
    return escape(exported(name), CLIENT_RESERVED)


def unexported(name: str) -> str:
    """`unit_price` -> `unitPrice`, `id` -> `id`, `URL` -> `url`; keywords escaped."""
    words = _words(name)
    if not words:
        return "x_"
    head, *rest = words
    text = head.lower() + exported("_".join(rest)) if rest else head.lower()
    if text[0].isdigit():
        text = "x" + text
    if text.startswith(HELPER_PREFIXES):
        return text + "_"
    return escape(text, KEYWORDS, PREDECLARED, BODY_NAMES)


def version(version: str, build: int) -> str:
    """The Go module version for module version `version` at build number `build`.

    `1.2` is padded to `v1.2.0`; build metadata (`+x`), which Go versions cannot carry, is
    dropped. A changed surface under the same version is `v1.2.0-build.1`, a prerelease Go
    sorts after `v1.2.0-...` prereleases and below `v1.2.1`.
    """
    v = common.semantic_version(version, "Go").split("+", 1)[0]
    if build:
        v = common.with_build(v, build)
    return "v" + v


def major_suffix(go_version: str) -> str:
    """`/v2` for a v2+ module: Go's import compatibility rule puts the major in the path."""
    major = int(go_version.removeprefix("v").split(".", 1)[0])
    return f"/v{major}" if major >= 2 else ""


def versioned_path(module: str, go_version: str) -> str:
    """The module path at `go_version` (`graftcode.dev/g/shop/v2` from v2.0.0 on)."""
    return module_path(module) + major_suffix(go_version)


def env_prefix(module: str) -> str:
    return common.env_prefix(module)


def nilable(go: str) -> bool:
    """Whether the zero value of Go type `go` is nil (so it needs no pointer to be optional)."""
    return go.startswith(("[]", "map[", "*")) or go == "any"


# -- the names of unions, literal sets and tuples ------------------------------------------------
# Go has no anonymous sum types, so each union, literal set and tuple becomes a named type,
# named after the first place that uses it: `fn pick(value: int | str)` gives `PickValue`, its
# result `PickResult`, a record field `Reading.value` gives `ReadingValue`; inside a container
# the name grows (`Item` for a list item, `Value` for a map value, `V1` for a tuple's second
# item), and a union member's type adds its shape (`PickValueInt`, `PickValueListStr`). Naming
# by place keeps a name when a member or a literal is added (a compatible change on the wire
# must stay one in the caller's source); one walk over the module (`names_of`) fixes every
# name before anything is generated, so the package and Vision's snippets agree.

Compound = ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf


def shape(t: ugm.TypeRef) -> str:
    """The part of a union member's type name that says which member it is."""
    if isinstance(t, ugm.Primitive):
        return t.name.capitalize()
    if isinstance(t, ugm.Named):
        return t.name
    if isinstance(t, ugm.Optional):
        return "Opt" + shape(t.inner)
    if isinstance(t, ugm.ListOf):
        return "List" + shape(t.item)
    if isinstance(t, ugm.MapOf):
        return "Map" + shape(t.key) + shape(t.value)
    if isinstance(t, ugm.TupleOf):
        return "Tuple" + "".join(shape(x) for x in t.items)
    if isinstance(t, ugm.UnionOf):
        return "Or".join(shape(x) for x in t.members)
    return "Lit"


def _positions(m: ugm.Module) -> Iterator[tuple[str, ugm.TypeRef]]:
    """Every typed place in declaration order, with the Go name its compound types start from."""
    ex = exported
    for d in m.decls:
        if isinstance(d, ugm.Record | ugm.Error):
            for f in d.fields:
                yield d.name + ex(f.name), f.type
        elif isinstance(d, ugm.Service):
            for fn in d.methods:
                yield from _callable(ex(fn.name), fn.params, fn.returns)
        elif isinstance(d, ugm.Class):
            if d.constructor is not None:
                yield from _callable("New" + d.name, d.constructor.params, None)
            for fn in d.methods:
                yield from _callable(d.name + ex(fn.name), fn.params, fn.returns)
            for p in d.properties:
                yield d.name + ex(p.name), p.type


def _callable(
    base: str, params: tuple[ugm.Param, ...], returns: ugm.TypeRef | None
) -> Iterator[tuple[str, ugm.TypeRef]]:
    for p in params:
        yield base + exported(p.name), p.type
    if returns is not None:
        yield base + "Result", returns


def names_of(m: ugm.Module, reserved: Iterable[str]) -> dict[ugm.TypeRef, str]:
    """The Go type name of each union, literal set and tuple `m` uses (first place wins)."""
    taken = set(reserved) | {d.name for d in m.decls}
    out: dict[ugm.TypeRef, str] = {}

    def visit(t: ugm.TypeRef, base: str) -> None:
        if isinstance(t, ugm.Optional):
            visit(t.inner, base)
        elif isinstance(t, ugm.ListOf):
            visit(t.item, base + "Item")
        elif isinstance(t, ugm.MapOf):
            visit(t.value, base + "Value")
        elif isinstance(t, Compound) and t not in out:
            name, n = base, 2
            while name in taken:
                name, n = f"{base}{n}", n + 1
            taken.add(name)
            out[t] = name
            if isinstance(t, ugm.UnionOf):
                # member types are package-level names too (a tuple member is its own struct)
                taken.update(name + shape(x) for x in t.members if not isinstance(x, ugm.TupleOf))
                for x in t.members:
                    visit(x, name + shape(x))
            elif isinstance(t, ugm.TupleOf):
                for i, x in enumerate(t.items):
                    visit(x, f"{name}V{i}")

    for base, t in _positions(m):
        visit(t, base)
    return out
