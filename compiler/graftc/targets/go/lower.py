"""UGM -> the Go model (`model.py`): `build_model()` lowers each declaration (`decls.py`,
`members.py`), checks what Go cannot express and that every package-level name is unique, and
reports every problem at once with its position."""

from __future__ import annotations

from dataclasses import replace

from graftcode_runtime import ugm

from graftc.idl import value_text
from graftc.targets._plugin import TargetOptions
from graftc.targets.common.docs import bases_first, split_raises
from graftc.targets.common.naming import VersionError
from graftc.targets.common.scopes import Reporter, Scope
from graftc.targets.go import decls, members, naming
from graftc.targets.go.model import Conversion, Doc, GoMethod, GoModule
from graftc.targets.go.types import Conversions, UnsupportedType

# What the generated package defines itself besides the module's declarations, and what it
# imports (a declaration of the same name would not compile).
FIXED_NAMES = frozenset(
    """Client Option New WithURL WithTimeout WithToken WithMetadata WithSettings Ptr Module
    Version SchemaHash DefaultURL graft context errors time""".split()
)
DEFAULT_RUNTIME_VERSION = "v0.1.0"


class Context:
    """What lowering one module shares: declaration kinds, the Go types and conversions, the
    package-level and client-method scopes, and the diagnostics."""

    def __init__(self, module: ugm.Module, source: str | None, source_file: str) -> None:
        self.module = module
        self.report = Reporter(module, source, source_file)
        self.kinds = {d.name: type(d).__name__.lower() for d in module.decls}
        self.types = Conversions(self.kinds, self.error, naming.names_of(module, FIXED_NAMES))
        self.top = self.scope(f"package {naming.package_name(module.name)}")
        self.top.reserve(*FIXED_NAMES)
        self.client = self.scope("the methods of Client")
        self.client.reserve(*naming.CLIENT_RESERVED)

    def error(self, node: object, message: str) -> None:
        self.report.error(node, message)

    def scope(self, what: str) -> Scope:
        return Scope(what, naming.LANGUAGE, self.report)

    def conv(self, t: ugm.TypeRef, node: object) -> Conversion:
        try:
            return self.types.of(t)
        except UnsupportedType as e:
            self.error(node, str(e))
            return Conversion("Any", "any", "return v", "return v, nil")

    def default_note(self, v: ugm.Value) -> str:
        return f"`{value_text(v)}`"

    def doc(self, node: object, extra: tuple[str, ...] = (), lead: str = "") -> Doc:
        """`node`'s doc as comment lines, after `lead` (Go's "Name does ..." sentence), with
        `extra` and its deprecation appended."""
        body, _ = split_raises(getattr(node, "doc", None))
        lines = [line.rstrip() for line in body.splitlines()] if body else []
        if lead:
            lines = [lead, *([""] if lines else []), *lines]
        for paragraph in (extra, self._deprecated(node)):
            if paragraph:
                lines += ([""] if lines else []) + list(paragraph)
        return tuple(lines)

    def method_doc(self, node: object, raises: tuple[str, ...], lead: str) -> Doc:
        """The doc, with its `Raises:` section as the error types the call may return."""
        _, reasons = split_raises(getattr(node, "doc", None))
        extra: list[str] = []
        if raises:
            extra.append("Errors it returns (match them with errors.As):")
            for name in raises:
                why = reasons.get(name)
                extra.append(f"  - *{name}" + (f": {why}" if why else ""))
        return self.doc(node, tuple(extra), lead)

    def _deprecated(self, node: object) -> tuple[str, ...]:
        reason = ugm.deprecation(node)
        if reason is None:
            return ()
        return (f"Deprecated: {reason}" if reason else "Deprecated: do not use it in new code.",)


def lower(module: ugm.Module, options: TargetOptions) -> GoModule:
    """`build_model` with `graftc build`'s options (`--option runtime_version=vX.Y.Z` sets the
    runtime requirement in go.mod)."""
    return build_model(
        module,
        default_url=options.default_url,
        runtime_version=options.extra.get("runtime_version", DEFAULT_RUNTIME_VERSION),
        source=options.source,
        source_file=options.source_file,
    )


def build_model(
    module: ugm.Module,
    *,
    default_url: str | None = None,
    runtime_version: str = DEFAULT_RUNTIME_VERSION,
    source: str | None = None,
    source_file: str = "",
) -> GoModule:
    """The Go model of `module`; raises DiagnosticError listing every problem found."""
    ctx = Context(module, source, source_file)
    try:
        go_version = naming.version(module.version, 0)
    except VersionError as problem:
        go_version = "v0.0.0"
        ctx.error(module, str(problem))
    for d in module.decls:
        ctx.top.claim(d.name, f"{type(d).__name__.lower()} {d.name}", d.span)
    enums = []
    for e in module.enums:
        enums.append(decls.enum(ctx, e))
        ctx.types.enum_bases[e.name] = enums[-1].base
    errors, _looping = bases_first(module.errors)  # the IDL checker reports loops
    by_name = {x.name: x for x in module.errors}
    client: list[GoMethod] = []
    for s in module.services:
        client += members.service(ctx, s)
    classes = []
    for c in module.classes:
        on_client, handle = members.class_members(ctx, c)
        client += on_client
        classes.append(handle)
    result = GoModule(
        module=module.name,
        version=module.version,
        go_version=go_version,
        path=naming.versioned_path(module.name, go_version),
        package=naming.package_name(module.name),
        schema_hash=ugm.schema_hash(module),
        env_prefix=naming.env_prefix(module.name),
        default_url=default_url,
        runtime_version=runtime_version,
        doc=ctx.doc(module),
        enums=tuple(enums),
        records=tuple(decls.record(ctx, r) for r in module.records),
        errors=tuple(decls.error(ctx, x, by_name) for x in errors),
        client_methods=tuple(client),
        classes=tuple(classes),
        conversions=(),
        imports=(),
    )
    types = ctx.types
    for u in types.unions.values():
        ctx.top.claim(u.name, f"the union {u.name}", None)
        for x in u.members:
            if x.underlying:
                ctx.top.claim(x.name, f"the member {x.tag} of {u.name}", None)
    for ls in types.literal_sets.values():
        for name in (ls.name, *(c for c, _ in ls.consts)):
            ctx.top.claim(name, f"the literal set {ls.name}", None)
    for tp in types.tuples.values():
        ctx.top.claim(tp.name, f"the tuple {tp.name}", None)
    ctx.report.check()
    return replace(
        result,
        conversions=types.all,
        imports=("time",) if types.uses_time else (),
        unions=tuple(types.unions[k] for k in sorted(types.unions)),
        literal_sets=tuple(types.literal_sets[k] for k in sorted(types.literal_sets)),
        tuples=tuple(types.tuples[k] for k in sorted(types.tuples)),
    )
