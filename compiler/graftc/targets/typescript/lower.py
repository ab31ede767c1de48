"""UGM -> the TypeScript model (`model.py`): `build_model()` lowers each declaration
(`decls.py`, `members.py`), checks what TypeScript cannot express and that every exported name
is unique, and reports every problem at once with its position."""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.targets._plugin import TargetOptions
from graftc.targets.common.docs import bases_first, split_raises
from graftc.targets.common.naming import VersionError
from graftc.targets.common.scopes import Reporter, Scope
from graftc.targets.typescript import decls, members, naming
from graftc.targets.typescript.model import Doc, TsMethod, TsModule, comment_safe


class Context:
    """What lowering one module shares: the kind of each declaration, and the diagnostics."""

    def __init__(self, module: ugm.Module, source: str | None, source_file: str) -> None:
        self.module = module
        self.report = Reporter(module, source, source_file)
        self.kinds = {d.name: type(d).__name__.lower() for d in module.decls}

    def error(self, node: object, message: str) -> None:
        self.report.error(node, message)

    def scope(self, what: str) -> Scope:
        return Scope(what, naming.LANGUAGE, self.report)

    def doc(
        self,
        node: object,
        extra: tuple[str, ...] = (),
        params: tuple[tuple[str, str], ...] = (),
        throws: tuple[str, ...] = (),
    ) -> Doc:
        """`node`'s TSDoc: its `Raises:` section becomes `@throws` tags for `throws`."""
        body, raised = split_raises(getattr(node, "doc", None))
        lines = [comment_safe(line.rstrip()) for line in body.splitlines()] if body else []
        lines.extend(extra)
        since = ugm.annotation(node, "since")
        since_text = None
        if since is not None and since.args and isinstance(since.args[0], ugm.StrLit):
            since_text = since.args[0].value
        deprecated = ugm.deprecation(node)
        return Doc(
            lines=tuple(lines),
            params=params,
            throws=tuple(
                f"{name} {comment_safe(raised[name])}" if raised.get(name) else name
                for name in throws
            ),
            deprecated=None if deprecated is None else comment_safe(deprecated),
            since=since_text,
        )


def lower(module: ugm.Module, options: TargetOptions) -> TsModule:
    """`build_model` with `graftc build`'s options (`--option runtime_version=RANGE` sets the
    runtime dependency)."""
    return build_model(
        module,
        package=options.package_name,
        default_url=options.default_url,
        runtime_version=options.extra.get("runtime_version", "^0.1.0"),
        source=options.source,
        source_file=options.source_file,
    )


def build_model(
    module: ugm.Module,
    *,
    package: str | None = None,
    default_url: str | None = None,
    runtime_version: str = "^0.1.0",
    source: str | None = None,
    source_file: str = "",
) -> TsModule:
    """The TypeScript model of `module`; raises DiagnosticError listing every problem found."""
    ctx = Context(module, source, source_file)
    try:
        version = naming.package_version(module.version, 0)
    except VersionError:
        version = "0.0.0"
        ctx.error(module, f"the version {module.version!r} is not a semantic version npm accepts")
    if package is not None and not naming.is_npm_name(package):
        ctx.error(
            module,
            f"--package-name {package!r} is not an npm package name "
            "(lower case letters, digits, '-', '.', '_', optionally '@scope/'; at most 214)",
        )
    errors, _looping = bases_first(module.errors)  # the IDL checker reports loops
    result = TsModule(
        module=module.name,
        version=version,
        package=package or naming.package_name(module.name),
        schema_hash=ugm.schema_hash(module),
        env_prefix=naming.env_prefix(module.name),
        default_url=default_url,
        runtime_version=runtime_version,
        doc=ctx.doc(module),
        enums=tuple(decls.enum(ctx, e) for e in module.enums),
        records=tuple(decls.record(ctx, r) for r in module.records),
        errors=tuple(decls.error(ctx, e) for e in errors),
        services=tuple(members.service(ctx, s) for s in module.services),
        classes=tuple(members.class_decl(ctx, c) for c in module.classes),
        client_name=f"{naming.pascal(module.name)}Client",
    )
    _check_top_level_names(ctx, result)
    ctx.report.check()
    return result


# What the generated index.ts imports or defines besides the module's own declarations.
_FIXED_NAMES = frozenset(
    """Client RemoteError RemoteInstance t CallOptions ClientOptions ErrorSpec FieldDesc
    MemberSpec ModuleBinding RemoteErrorInfo Cancelled ConnectionLost DeadlineExceeded GraftError
    ProtocolError StatusCode MODULE VERSION SCHEMA_HASH DEFAULT_URL connect createClient""".split()
)
# Globals the generated code refers to: a declaration of the same name would shadow them.
_GLOBALS_USED = frozenset(
    "Promise Record Readonly ReadonlyArray Array Map ReadonlyMap Uint8Array Date Symbol".split()
)


def _check_top_level_names(ctx: Context, m: TsModule) -> None:
    """Every exported TypeScript name must be unique: a record `Client` or a class `CartClass`
    next to a class `Cart` would otherwise produce a package that does not compile."""
    owners: dict[str, str] = {name: "the graftcode runtime" for name in _FIXED_NAMES}
    owners.update({name: "the TypeScript standard library" for name in _GLOBALS_USED})
    decl_of = {d.name: d for d in ctx.module.decls}

    def claim(name: str, owner: str, decl: str) -> None:
        if name in owners and owners[name] != owner:
            ctx.error(
                decl_of.get(decl, ctx.module),
                f"{owner} needs the TypeScript name {name!r}, already used by {owners[name]}",
            )
        owners.setdefault(name, owner)

    def claim_options(methods: tuple[TsMethod, ...], owner: str, decl: str) -> None:
        for meth in methods:
            if meth.keywords:
                claim(meth.options_type, f"{owner}.{meth.name}", decl)

    for e in m.enums:
        claim(e.name, f"enum {e.name}", e.name)
    for r in m.records:
        claim(r.name, f"record {r.name}", r.name)
        claim(r.init_name, f"record {r.name}", r.name)
    for x in m.errors:
        claim(x.name, f"error {x.name}", x.name)
    for s in m.services:
        claim(s.name, f"service {s.wire}", s.wire)
        claim_options(s.methods, f"service {s.wire}", s.wire)
    for c in m.classes:
        claim(c.name, f"class {c.name}", c.name)
        claim(c.factory, f"class {c.name}", c.name)
        ctor = (c.constructor,) if c.constructor is not None else ()
        claim_options(ctor + c.statics + c.methods, f"class {c.name}", c.name)
    claim(m.client_name, f"module {m.module}", m.module)
