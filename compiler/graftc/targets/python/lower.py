"""UGM -> the Python intermediate model (`model.py`).

`lower()` names the module's declarations, lowers each (`decls.py`, `members.py`) and assembles
the package: which file defines what, the imports each file needs and the exports. Bad input
(two names colliding after escaping, a record holding a class instance, ...) becomes
diagnostics with positions, all reported at once.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence

from graftcode_runtime import ugm

from graftc import __version__
from graftc.targets.common.docs import bases_first
from graftc.targets.common.naming import VersionError
from graftc.targets.common.scopes import Reporter, Scope
from graftc.targets.common.walk import idempotent_members
from graftc.targets.python import decls, members, naming
from graftc.targets.python import model as m
from graftc.targets.python.values import string_literal

RUNTIME_REQUIREMENT = "graftcode-runtime>=0.1,<0.2"
# the generated modules, in the order the templates are rendered
FILES = ("__init__", "_binding", "_types", "_errors", "_convert", "_client")
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class Context:
    """What lowering one module shares: its declarations and their Python names, the imports
    of each generated file, and the diagnostics."""

    def __init__(
        self,
        module: ugm.Module,
        *,
        package_name: str | None,
        default_url: str | None,
        source: str | None,
        source_file: str,
    ) -> None:
        self.module = module
        self.report = Reporter(module, source, source_file)
        self.import_name = package_name or naming.import_name(module.name)
        self.default_url = default_url
        self.decls = {d.name: d for d in module.decls}
        self.py: dict[str, str] = {}  # decl name -> Python class name (sync)
        self.async_py: dict[str, str] = {}  # class name -> async proxy name
        self.files = {name: m.Imports() for name in FILES}

    def error(self, node: object, message: str) -> None:
        self.report.error(node, message)

    def scope(self, what: str) -> Scope:
        return Scope(what, naming.LANGUAGE, self.report)

    def doc(self, text: str | None, extra: Sequence[str] = ()) -> m.Doc:
        lines = [*(text.strip().splitlines() if text and text.strip() else [])]
        if extra:
            if lines:
                lines.append("")
            lines.extend(extra)
        return m.Doc(tuple(_docline(x) for x in lines))

    def deprecated(
        self, node: object, imports: m.Imports, what: str, *, warns: bool = True
    ) -> str | None:
        """The arguments of `@deprecated(...)`. Types get `category=None`: type checkers still
        flag their use, but decoding a value the gateway sent must not warn at run time."""
        reason = ugm.deprecation(node)
        if reason is None:
            return None
        imports.third("typing_extensions", "deprecated")
        text = string_literal(reason or f"{what} is deprecated")
        return text if warns else f"{text}, category=None"


def lower(
    module: ugm.Module,
    *,
    package_name: str | None = None,
    default_url: str | None = None,
    source: str | None = None,
    source_file: str = "",
) -> m.Package:
    ctx = Context(
        module,
        package_name=package_name,
        default_url=default_url,
        source=source,
        source_file=source_file,
    )
    if not _MODULE_NAME.fullmatch(module.name):
        ctx.error(module, f"module name {module.name!r} cannot name a Python package")
    try:
        version = naming.package_version(module.version, 0)
    except VersionError as e:
        version = module.version
        ctx.error(module, str(e))
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ctx.import_name) or keyword.iskeyword(
        ctx.import_name
    ):
        # a keyword is a valid directory name, but `import class` is a syntax error
        ctx.error(module, f"--package-name {ctx.import_name!r} is not a Python identifier")
    _name_declarations(ctx)
    # a Python class must come after its base, whatever the IDL order
    ordered, looping = bases_first(module.errors)
    for looped in looping:
        ctx.error(looped, f"error {looped.name!r} extends itself through its bases")
    enums = tuple(decls.enum(ctx, d) for d in module.enums)
    records = tuple(decls.record(ctx, d) for d in module.records)
    errors = tuple(decls.error(ctx, d) for d in ordered if d not in looping)
    services = tuple(members.service(ctx, d) for d in module.services)
    classes = tuple(members.class_def(ctx, d) for d in module.classes)
    ctx.report.check()
    return _package(ctx, version, enums, records, errors, services, classes)


def _name_declarations(ctx: Context) -> None:
    scope = ctx.scope(f"module {ctx.module.name}")
    for d in ctx.module.decls:
        py = naming.escape(d.name, naming.MODULE_RESERVED)
        if isinstance(d, ugm.Service):
            # a service is a client class plus a default instance named like the service
            scope.claim(py, d.name, d.span)
            client = naming.pascal(d.name) + "Client"
            scope.claim(client, f"{d.name} (its client class)", d.span)
            scope.claim("Async" + client, f"{d.name} (its async client class)", d.span)
            ctx.py[d.name] = client
            continue
        ctx.py[d.name] = scope.claim(py, d.name, d.span)
        if isinstance(d, ugm.Class):
            ctx.async_py[d.name] = scope.claim("Async" + py, f"{d.name} (its async proxy)", d.span)
        if isinstance(d, ugm.Record):
            fn = naming.snake(py)
            scope.claim(f"{fn}_from_wire", f"{d.name} (its converter)", d.span)
            scope.claim(f"{fn}_to_wire", f"{d.name} (its converter)", d.span)


def _imports(
    ctx: Context,
    records: tuple[m.RecordDef, ...],
    errors: tuple[m.ErrorDef, ...],
    services: tuple[m.ServiceDef, ...],
    classes: tuple[m.ClassDef, ...],
) -> None:
    """What the files need whatever their members: the binding, converters, proxy bases."""
    f = ctx.files
    if errors:
        f["_errors"].third("graftcode_runtime", "RemoteError")
        f["_errors"].std("collections.abc", "Callable", "Mapping")
        f["_errors"].third("graftcode_runtime.binding", "wire")
    f["_binding"].third("graftcode_runtime.binding", "ModuleBinding", "Settings")
    f["_binding"].rel("._errors", "from_remote")
    if records:
        f["_convert"].third("graftcode_runtime.binding", "wire")
    if services:
        f["_client"].std("collections.abc", "Mapping")
    if services or any(c.constructor or c.statics for c in classes):
        f["_client"].third("graftcode_runtime.binding", "AsyncChannel", "Channel")
        f["_client"].rel("._binding", "binding")
    if classes:
        f["_client"].third("graftcode_runtime.binding", "AsyncProxy", "Proxy")


def _exports(
    enums: tuple[m.EnumDef, ...],
    records: tuple[m.RecordDef, ...],
    errors: tuple[m.ErrorDef, ...],
    services: tuple[m.ServiceDef, ...],
    classes: tuple[m.ClassDef, ...],
) -> list[tuple[str, tuple[str, ...]]]:
    """(relative module, names) that `__init__` re-exports."""
    binding = ("MODULE_NAME", "MODULE_VERSION", "SCHEMA_HASH", "configure", "connect")
    exports: list[tuple[str, tuple[str, ...]]] = [
        ("._binding", (*binding, "connect_async", "settings"))
    ]
    types = tuple(x.name for x in enums) + tuple(x.name for x in records)
    if types:
        exports.append(("._types", types))
    if errors:
        exports.append(("._errors", tuple(x.name for x in errors)))
    client_names: list[str] = []
    for s in services:
        client_names += [s.client, s.async_client, s.instance]
    for c in classes:
        client_names += [c.name, c.async_name]
    if client_names:
        exports.append(("._client", tuple(client_names)))
    return exports


def _package(
    ctx: Context,
    version: str,
    enums: tuple[m.EnumDef, ...],
    records: tuple[m.RecordDef, ...],
    errors: tuple[m.ErrorDef, ...],
    services: tuple[m.ServiceDef, ...],
    classes: tuple[m.ClassDef, ...],
) -> m.Package:
    mod = ctx.module
    _imports(ctx, records, errors, services, classes)
    exports = _exports(enums, records, errors, services, classes)
    all_names = tuple(sorted((n for _, names in exports for n in names), key=m.all_key))
    for module, names in exports:
        ctx.files["__init__"].rel(module, *names)
    summary_doc = (mod.doc or "").strip().splitlines()
    summary = summary_doc[0] if summary_doc else f"Typed client for the {mod.name} module."
    return m.Package(
        module=mod.name,
        version=mod.version,
        package_version=version,
        distribution=naming.distribution_name(mod.name),
        import_name=ctx.import_name,
        runtime_requirement=RUNTIME_REQUIREMENT,
        generator=f"graftc {__version__}",
        schema_hash=ugm.schema_hash(mod),
        idempotent=idempotent_members(mod),
        default_url=ctx.default_url,
        doc=ctx.doc(mod.doc),
        summary=summary.replace('"', "'"),
        enums=enums,
        records=records,
        errors=errors,
        services=services,
        classes=classes,
        exports=tuple(exports),
        all_names=all_names,
        files={
            name: m.FileDef(
                name,
                tuple(tuple(s) for s in imports.sections()),
                tuple(sorted(imports.constants.items())),
            )
            for name, imports in ctx.files.items()
        },
    )


def _docline(line: str) -> str:
    return line.rstrip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
