"""The typed intermediate model the Python templates render.

Everything a template needs is computed here as plain strings (annotations, default
expressions, conversion expressions, signatures), so the `*.j2` files only loop and print.
`lower.py` builds it from the UGM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graftc.targets.common import model as common


@dataclass(frozen=True)
class Import:
    """`import module` (names empty) or `from module import names`."""

    module: str
    names: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        if not self.names:
            return f"import {self.module}"
        return f"from {self.module} import {', '.join(self.names)}"


@dataclass
class Imports:
    """The imports one generated file needs, grouped the way isort/ruff orders them."""

    stdlib: dict[str, set[str]] = field(default_factory=dict)
    third_party: dict[str, set[str]] = field(default_factory=dict)
    local: dict[str, set[str]] = field(default_factory=dict)
    # module-level constants for defaults that are calls linters do not know as immutable
    constants: dict[str, str] = field(default_factory=dict)

    def constant(self, name: str, value: str) -> str:
        self.constants[name] = value
        return name

    def std(self, module: str, *names: str) -> None:
        self.stdlib.setdefault(module, set()).update(names)

    def third(self, module: str, *names: str) -> None:
        self.third_party.setdefault(module, set()).update(names)

    def rel(self, module: str, *names: str) -> None:
        self.local.setdefault(module, set()).update(names)

    @staticmethod
    def _group(group: dict[str, set[str]]) -> list[Import]:
        # isort's default: plain `import x` lines first, then `from x import ...`, each sorted.
        plain = sorted(m for m, names in group.items() if not names)
        froms = sorted(m for m, names in group.items() if names)
        return [Import(m) for m in plain] + [
            Import(m, tuple(sorted(group[m], key=isort_key))) for m in froms
        ]

    def sections(self) -> list[list[Import]]:
        out = [self._group(self.stdlib), self._group(self.third_party)]
        local = sorted(self.local, key=lambda m: (-len(m) + len(m.lstrip(".")), m))
        out.append([Import(m, tuple(sorted(self.local[m], key=isort_key))) for m in local])
        return [s for s in out if s]


def _kind(name: str) -> int:
    # order-by-type: CONSTANTS, Classes, then everything else
    if name.isupper() and len(name) > 1:
        return 0
    return 1 if name[:1].isupper() else 2


def _natural(name: str) -> tuple[tuple[int, int, str], ...]:
    # ruff compares names in natural order: Item2 before Item10
    return tuple(
        (0, int(part), part) if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", name)
        if part
    )


def isort_key(name: str) -> tuple[object, ...]:
    """ruff's (isort's) order of the names in one `from x import ...`: by type, then
    case-insensitively in natural order (`Mapping_` before `MappingProxyType_`)."""
    return (_kind(name), _natural(name.lower()), _natural(name))


def all_key(name: str) -> tuple[object, ...]:
    """ruff's RUF022 order of `__all__`: by type, then case-sensitively in natural order
    (there `MappingProxyType_` comes before `Mapping_`)."""
    return (_kind(name), _natural(name))


@dataclass(frozen=True)
class Doc:
    """A docstring's lines, already escaped for a triple-quoted string; empty if none."""

    lines: tuple[str, ...] = ()

    @property
    def present(self) -> bool:
        return bool(self.lines)

    @property
    def literal(self) -> str:
        """The docstring as Python source, unindented (templates indent it)."""
        if len(self.lines) == 1:
            return f'"""{self.lines[0]}"""'
        return '"""' + "\n".join(self.lines) + '\n"""'


EnumMember = common.EnumMember[Doc]


@dataclass(frozen=True)
class EnumDef:
    name: str
    base: str  # "enum.IntEnum", "enum.StrEnum" or "enum.Enum"
    members: tuple[EnumMember, ...]
    doc: Doc
    deprecated: str | None  # the reason as a Python literal, or None


@dataclass(frozen=True)
class FieldDef:
    name: str  # Python attribute name
    wire_name: str
    annotation: str
    declaration: str  # what follows `name: annotation` in the class body, e.g. " = 0"
    from_wire: str  # expression over `m` (the wire map)
    to_wire: str  # expression over `v` (the value)
    doc: Doc


@dataclass(frozen=True)
class RecordDef:
    name: str
    wire_name: str
    fields: tuple[FieldDef, ...]
    kw_only: bool
    doc: Doc
    deprecated: str | None
    from_wire_fn: str
    to_wire_fn: str


@dataclass(frozen=True)
class ErrorDef:
    name: str
    wire_name: str
    base: str  # the Python base class
    fields: tuple[FieldDef, ...]  # all fields, inherited first
    own_fields: tuple[FieldDef, ...]
    base_fields: tuple[FieldDef, ...]
    init_params: str  # the constructor's parameter list after `self`
    doc: Doc
    deprecated: str | None


@dataclass(frozen=True)
class MethodDef:
    """A callable member. `params` is the rendered parameter list after `self`/`cls`."""

    name: str
    wire_name: str
    params: str
    returns: str
    invoke: str  # the arguments of `channel.invoke(...)`: kind, target, member, args, kwargs
    result: str  # the conversion of the wire result `w`; "" when the method returns none
    doc: Doc
    deprecated: str | None
    stream: bool = False  # the result is a stream: `result` converts each item `w`


@dataclass(frozen=True)
class PropertyDef:
    name: str
    wire_name: str
    annotation: str
    setter_name: str  # for the async proxy: `set_<name>`
    readonly: bool
    result: str
    to_wire: str  # expression over `value`
    doc: Doc
    deprecated: str | None


@dataclass(frozen=True)
class ServiceDef:
    name: str  # the IDL name, e.g. `shop`
    wire_name: str
    client: str  # `ShopClient`
    async_client: str  # `AsyncShopClient`
    instance: str  # the module-level default client, e.g. `shop`
    methods: tuple[MethodDef, ...]
    async_methods: tuple[MethodDef, ...]
    doc: Doc
    deprecated: str | None


@dataclass(frozen=True)
class ClassDef:
    name: str
    async_name: str
    wire_name: str
    constructor: MethodDef | None
    async_constructor: MethodDef | None
    methods: tuple[MethodDef, ...]
    statics: tuple[MethodDef, ...]
    properties: tuple[PropertyDef, ...]
    async_methods: tuple[MethodDef, ...]
    async_statics: tuple[MethodDef, ...]
    async_properties: tuple[PropertyDef, ...]
    doc: Doc
    deprecated: str | None


@dataclass(frozen=True)
class FileDef:
    """One generated Python file: its name and its import sections."""

    path: str
    imports: tuple[tuple[Import, ...], ...]
    constants: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Package:
    module: str
    version: str  # the module's (semantic) version
    package_version: str  # the same in PEP 440 spelling, for pyproject.toml
    distribution: str
    import_name: str
    runtime_requirement: str
    generator: str
    schema_hash: str
    default_url: str | None
    doc: Doc
    summary: str  # one line for pyproject's description
    enums: tuple[EnumDef, ...]
    records: tuple[RecordDef, ...]
    errors: tuple[ErrorDef, ...]
    services: tuple[ServiceDef, ...]
    classes: tuple[ClassDef, ...]
    exports: tuple[tuple[str, tuple[str, ...]], ...]  # (relative module, names) for __init__
    all_names: tuple[str, ...]
    files: dict[str, FileDef]
    # (target, member) of the members marked @idempotent, which channels may retry
    idempotent: tuple[tuple[str, str], ...] = ()
