"""What the gateway hosts: each module's UGM, the Python objects behind its declarations, and
the value codec that checks and converts arguments against the declared types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .. import ugm
from ..introspect import ExportError, Problem, export_module, load_module
from ..values._codec import ValueCodec


class LoadError(Exception):
    """A module could not be imported or exported; the message says which and why."""


@dataclass
class HostedModule:
    """`objects` maps each declaration name to its Python object: the module object for the
    service, the class for classes, records, enums and errors. `problems` are the export
    warnings behind `warnings`, for a caller that shows them with their source lines."""

    module: ugm.Module
    objects: Mapping[str, object]
    warnings: Sequence[str] = ()
    python_module: ModuleType | None = None
    problems: Sequence[Problem] = ()
    codec: ValueCodec = field(init=False)
    schema_hash: str = field(init=False)
    class_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        python_types = {name: obj for name, obj in self.objects.items() if isinstance(obj, type)}
        self.codec = ValueCodec(self.module, python_types)
        self.schema_hash = ugm.schema_hash(self.module)
        self.class_names = frozenset(c.name for c in self.module.classes)

    @property
    def name(self) -> str:
        return self.module.name


def host_module(
    python_module: ModuleType,
    *,
    skip_unsupported: bool = False,
    types: Sequence[str] = (),
    methods: Sequence[str] = (),
) -> HostedModule:
    """Export an imported module and host it: all of its surface, or (with the `export_module`
    options) the members `--types`/`--methods` select, leaving unsupported ones out. Only what
    the UGM declares is callable, so a member left out is NOT_FOUND to callers."""
    export = export_module(
        python_module, skip_unsupported=skip_unsupported, types=types, methods=methods
    )
    return HostedModule(
        export.module,
        dict(export.objects),
        tuple(str(w) for w in export.warnings),
        python_module=python_module,
        problems=export.warnings,
    )


def load_modules(
    specs: Sequence[str],
    path: Sequence[str | Path] = (),
    *,
    skip_unsupported: bool = False,
    types: Sequence[str] = (),
    methods: Sequence[str] = (),
) -> list[HostedModule]:
    """Import and export each module (`name`, `pkg.name`, a `.py` path or a package dir)."""
    hosted: list[HostedModule] = []
    for spec in specs:
        try:
            h = host_module(
                load_module(spec, [str(p) for p in path]),
                skip_unsupported=skip_unsupported,
                types=types,
                methods=methods,
            )
        except ExportError as e:
            raise LoadError(str(e)) from None
        if any(x.name == h.name for x in hosted):
            raise LoadError(f"two modules are named {h.name!r}; host them in separate gateways")
        hosted.append(h)
    return hosted
