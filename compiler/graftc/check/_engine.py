"""The comparison engine: walks two modules side by side and emits findings.

Matching is by name everywhere. The engine recognises a rename only where the wire and the code
make it unambiguous: a field or parameter at the same position with the same type whose old
name is gone and whose new name is new, and an enum member with the same value under a new name.
Everything else that disappears is a removal.
"""

from __future__ import annotations

from collections.abc import Sequence

from graftcode_runtime import ugm

from graftc.check import _rules as R
from graftc.check._model import SOURCE, WIRE, Category, Finding, Rule, Severity
from graftc.check._types import BOTH_FLOWS, Assignability, Flow, flows, format_type

_KIND = {
    ugm.Record: "record",
    ugm.Enum: "enum",
    ugm.Error: "error",
    ugm.Service: "service",
    ugm.Class: "class",
}
_DECL_REMOVED: dict[type, Rule] = {
    ugm.Record: R.RECORD_REMOVED,
    ugm.Enum: R.ENUM_REMOVED,
    ugm.Error: R.ERROR_REMOVED,
    ugm.Service: R.SERVICE_REMOVED,
    ugm.Class: R.CLASS_REMOVED,
}


def _kind(decl: ugm.Decl) -> str:
    return _KIND[type(decl)]


def _lit(v: ugm.Value | None) -> str:
    """A default value as the IDL spells it (for messages)."""
    if v is None:
        return "(none)"
    if isinstance(v, ugm.NoneLit):
        return "none"
    if isinstance(v, ugm.BoolLit):
        return "true" if v.value else "false"
    if isinstance(v, (ugm.IntLit, ugm.FloatLit)):
        return repr(v.value)
    if isinstance(v, ugm.StrLit):
        return '"' + v.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, ugm.BytesLit):
        return f'b"{v.value.hex()}"'
    if isinstance(v, ugm.ListLit):
        return "[" + ", ".join(_lit(x) for x in v.items) + "]"
    if isinstance(v, ugm.MapLit):
        return "{" + ", ".join(f"{_lit(k)}: {_lit(x)}" for k, x in v.items) + "}"
    return f"{v.enum}.{v.member}"


def _positional(p: ugm.Param) -> bool:
    return p.kind != "keyword"


def _by_keyword(p: ugm.Param) -> bool:
    return p.kind != "positional"


class _Checker:
    def __init__(self, old: ugm.Module, new: ugm.Module) -> None:
        self.old = old
        self.new = new
        self.flows = flows(old)
        self.types = Assignability(old, new)
        self.out: list[Finding] = []

    # -- helpers ---------------------------------------------------------------------------

    def emit(
        self,
        rule: Rule,
        message: str,
        path: str,
        old: object = None,
        new: object = None,
        categories: frozenset[Category] | None = None,
        severity: Severity | None = None,
    ) -> None:
        if categories is not None:
            categories = categories & rule.categories if rule.categories else categories
        self.out.append(
            Finding(
                rule,
                message,
                path,
                getattr(old, "span", None),
                getattr(new, "span", None),
                categories,
                severity,
            )
        )

    def removed(
        self,
        rule: Rule,
        what: str,
        path: str,
        old_node: object,
        new_parent: object,
        deprecated_parent: bool,
        categories: frozenset[Category] | None = None,
    ) -> None:
        """A removal; allowed (as a warning) when a released version had deprecated it."""
        cats = rule.categories if categories is None else categories & rule.categories
        reason = ugm.deprecation(old_node)
        if reason is not None or deprecated_parent:
            why = f' ("{reason}")' if reason else ""
            whom = "it" if reason is not None else "what contains it"
            self.emit(
                R.DEPRECATED_REMOVED,
                f"{what} was removed; version {self.old.version} had deprecated {whom}{why}",
                path,
                old_node,
                new_parent,
                categories=cats,
            )
            return
        self.emit(
            rule,
            f"{what} was removed, but it was never deprecated "
            "(mark it @deprecated in a release first)",
            path,
            old_node,
            new_parent,
            categories=cats,
        )

    def deprecation_added(self, what: str, path: str, old: object, new: object) -> None:
        if ugm.deprecation(old) is None and ugm.deprecation(new) is not None:
            self.emit(R.DEPRECATION_ADDED, f"{what} is now deprecated", path, old, new)

    def type_change(
        self,
        rule: Rule,
        what: str,
        path: str,
        old_t: ugm.TypeRef,
        new_t: ugm.TypeRef,
        flow: Flow,
        old: object,
        new: object,
    ) -> None:
        if old_t == new_t:
            return
        wire_ok, source_ok = self.types.judge(old_t, new_t, flow)
        if rule is R.METHOD_RETURN_TYPE_CHANGED:
            change = f"{what} now returns {format_type(new_t)} instead of {format_type(old_t)}"
        else:
            change = f"{what} changed type from {format_type(old_t)} to {format_type(new_t)}"
        if wire_ok and source_ok:
            self.emit(R.TYPE_WIDENED, f"{change} (compatible)", path, old, new)
            return
        cats = frozenset(([] if wire_ok else [WIRE]) + ([] if source_ok else [SOURCE]))
        if wire_ok:
            change += (
                " (old callers still work; code written against the old client may not type-check)"
            )
        elif source_ok:
            change += " (code still type-checks, but old callers' values are rejected on the wire)"
        self.emit(rule, change, path, old, new, categories=cats)

    # -- the module --------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        old, new = self.old, self.new
        if old.name != new.name:
            self.emit(
                R.MODULE_RENAMED,
                f'module "{old.name}" was renamed to "{new.name}"',
                new.name,
                old,
                new,
            )
        self.deprecation_added(f"module {new.name}", new.name, old, new)
        for d in old.decls:
            nd = new.find(d.name)
            if nd is None:
                self.removed(
                    _DECL_REMOVED[type(d)],
                    f"{_kind(d)} {d.name}",
                    d.name,
                    d,
                    new,
                    ugm.deprecation(old) is not None,
                )
            elif type(nd) is not type(d):
                self.emit(
                    R.DECL_KIND_CHANGED,
                    f"{d.name} changed from {_kind(d)} to {_kind(nd)}",
                    d.name,
                    d,
                    nd,
                )
            else:
                self.deprecation_added(f"{_kind(d)} {d.name}", d.name, d, nd)
                self.decl(d, nd)
        for nd in new.decls:
            if old.find(nd.name) is None:
                self.emit(R.DECL_ADDED, f"{_kind(nd)} {nd.name} was added", nd.name, None, nd)
        return self.out

    def decl(self, d: ugm.Decl, nd: ugm.Decl) -> None:
        if isinstance(d, ugm.Record) and isinstance(nd, ugm.Record):
            self.fields(f"record {d.name}", d, nd, self.flows.get(d.name, BOTH_FLOWS))
        elif isinstance(d, ugm.Error) and isinstance(nd, ugm.Error):
            if d.base != nd.base:
                self.emit(
                    R.ERROR_BASE_CHANGED,
                    f"error {d.name} changed its base from {d.base or '(none)'} "
                    f"to {nd.base or '(none)'}",
                    d.name,
                    d,
                    nd,
                )
            self.fields(f"error {d.name}", d, nd, Flow.OUT)
        elif isinstance(d, ugm.Enum) and isinstance(nd, ugm.Enum):
            self.enum(d, nd)
        elif isinstance(d, ugm.Service) and isinstance(nd, ugm.Service):
            self.methods(d.name, d, nd, d.methods, nd.methods)
        elif isinstance(d, ugm.Class) and isinstance(nd, ugm.Class):
            self.klass(d, nd)

    # -- records and errors ------------------------------------------------------------------

    def fields(
        self,
        label: str,
        d: ugm.Record | ugm.Error,
        nd: ugm.Record | ugm.Error,
        flow: Flow,
    ) -> None:
        old_names = [f.name for f in d.fields]
        new_names = [f.name for f in nd.fields]
        renamed: dict[str, ugm.Field] = {}
        for i, f in enumerate(d.fields):
            if f.name in new_names or i >= len(nd.fields):
                continue
            g = nd.fields[i]
            if g.name not in old_names and g.type == f.type:
                renamed[f.name] = g
        sent = bool(flow & Flow.IN)
        received = bool(flow & Flow.OUT)
        deprecated_decl = ugm.deprecation(d) is not None
        for f in d.fields:
            path = f"{d.name}.{f.name}"
            if f.name in renamed:
                g = renamed[f.name]
                self.emit(
                    R.FIELD_RENAMED,
                    f'field "{f.name}" of {label} was renamed to "{g.name}"',
                    path,
                    f,
                    g,
                )
                continue
            if f.name not in new_names:
                wire = received and f.default is None
                cats = frozenset({SOURCE} | ({WIRE} if wire else set()))
                self.removed(
                    R.FIELD_REMOVED,
                    f'field "{f.name}" of {label}',
                    path,
                    f,
                    nd,
                    deprecated_decl,
                    cats,
                )
                continue
            g = nd.fields[new_names.index(f.name)]
            what = f'field "{f.name}" of {label}'
            self.deprecation_added(what, path, f, g)
            self.type_change(R.FIELD_TYPE_CHANGED, what, path, f.type, g.type, flow, f, g)
            if f.default is not None and g.default is None:
                if sent:
                    self.emit(
                        R.FIELD_MADE_REQUIRED,
                        f"{what} lost its default {_lit(f.default)}; "
                        "old callers that omit it will be rejected",
                        path,
                        f,
                        g,
                    )
            elif f.default is None and g.default is not None:
                self.emit(
                    R.DEFAULT_ADDED, f"{what} gained the default {_lit(g.default)}", path, f, g
                )
            elif f.default != g.default:
                self.emit(
                    R.FIELD_DEFAULT_CHANGED,
                    f"{what} changed its default from {_lit(f.default)} to {_lit(g.default)}",
                    path,
                    f,
                    g,
                )
        # The generated Python records are dataclasses that accept fields by position, so a
        # field that keeps its name but not its index binds differently. Appending moves nothing.
        moved = [n for i, n in enumerate(old_names) if n in new_names and new_names.index(n) != i]
        if moved:
            f = d.fields[old_names.index(moved[0])]
            g = nd.fields[new_names.index(moved[0])]
            self.emit(
                R.FIELD_MOVED,
                f"fields of {label} changed position ({', '.join(moved)}); code constructing it "
                "with positional arguments binds them differently",
                f"{d.name}.{moved[0]}",
                f,
                g,
            )
        targets = {g.name for g in renamed.values()}
        for g in nd.fields:
            if g.name in old_names or g.name in targets:
                continue
            path = f"{d.name}.{g.name}"
            if g.default is None and sent:
                self.emit(
                    R.FIELD_ADDED_REQUIRED,
                    f'field "{g.name}" was added to {label} without a default; '
                    "old callers do not send it",
                    path,
                    d,
                    g,
                )
            else:
                tail = "" if g.default is not None else " (required, but callers only receive it)"
                self.emit(R.FIELD_ADDED, f'field "{g.name}" was added to {label}{tail}', path, d, g)

    # -- enums -------------------------------------------------------------------------------

    def enum(self, d: ugm.Enum, nd: ugm.Enum) -> None:
        flow = self.flows.get(d.name, BOTH_FLOWS)
        new_by_name = {m.name: m for m in nd.members}
        new_by_value = {m.value: m for m in nd.members}
        old_names = {m.name for m in d.members}
        renamed_to: set[str] = set()
        for m in d.members:
            path = f"{d.name}.{m.name}"
            what = f"member {m.name} of enum {d.name}"
            nm = new_by_name.get(m.name)
            if nm is not None:
                self.deprecation_added(what, path, m, nm)
                if nm.value != m.value:
                    self.emit(
                        R.ENUM_VALUE_CHANGED,
                        f"{what} changed its value from {m.value!r} to {nm.value!r}",
                        path,
                        m,
                        nm,
                    )
                continue
            alias = new_by_value.get(m.value)
            if alias is not None and alias.name not in old_names:
                renamed_to.add(alias.name)
                self.emit(
                    R.ENUM_VALUE_RENAMED,
                    f"{what} (value {m.value!r}) was renamed to {alias.name}",
                    path,
                    m,
                    alias,
                )
                continue
            cats = frozenset({SOURCE} | ({WIRE} if flow & Flow.IN else set()))
            self.removed(
                R.ENUM_VALUE_REMOVED,
                f"{what} (value {m.value!r})",
                path,
                m,
                nd,
                ugm.deprecation(d) is not None,
                cats,
            )
        for nm in nd.members:
            if nm.name in old_names or nm.name in renamed_to:
                continue
            path = f"{d.name}.{nm.name}"
            msg = f"member {nm.name} (value {nm.value!r}) was added to enum {d.name}"
            if flow & Flow.OUT:
                self.emit(
                    R.ENUM_VALUE_ADDED,
                    msg + "; old callers that receive it cannot decode it",
                    path,
                    d,
                    nm,
                    categories=frozenset({WIRE}),
                    severity="warning",
                )
            else:
                self.emit(R.ENUM_VALUE_ADDED, msg, path, d, nm)

    # -- services, classes and their members -------------------------------------------------

    def methods(
        self,
        owner: str,
        d: ugm.Service | ugm.Class,
        nd: ugm.Service | ugm.Class,
        old: Sequence[ugm.Method],
        new: Sequence[ugm.Method],
    ) -> None:
        new_by_name = {m.name: m for m in new}
        old_names = {m.name for m in old}
        for m in old:
            path = f"{owner}.{m.name}"
            nm = new_by_name.get(m.name)
            if nm is None:
                self.removed(
                    R.METHOD_REMOVED,
                    f"method {path}",
                    path,
                    m,
                    nd,
                    ugm.deprecation(d) is not None,
                )
            else:
                self.method(path, m, nm)
        for nm in new:
            if nm.name not in old_names:
                path = f"{owner}.{nm.name}"
                static = "static method" if nm.static and isinstance(nd, ugm.Class) else "method"
                self.emit(R.MEMBER_ADDED, f"{static} {path} was added", path, d, nm)

    def method(self, path: str, m: ugm.Method, nm: ugm.Method) -> None:
        self.deprecation_added(f"method {path}", path, m, nm)
        if m.static != nm.static:
            was, now = ("static", "an instance method") if m.static else ("instance", "static")
            self.emit(
                R.METHOD_STATIC_CHANGED,
                f"method {path} was {was} and is now {now}",
                path,
                m,
                nm,
            )
        self.type_change(
            R.METHOD_RETURN_TYPE_CHANGED,
            path,
            path,
            m.returns,
            nm.returns,
            Flow.OUT,
            m,
            nm,
        )
        self.raises(path, m, nm)
        self.params(path, m, nm)

    def raises(
        self, path: str, m: ugm.Method | ugm.Constructor, nm: ugm.Method | ugm.Constructor
    ) -> None:
        for e in m.raises:
            if e not in nm.raises:
                self.emit(
                    R.METHOD_ERROR_REMOVED,
                    f"{path} no longer declares that it raises {e}",
                    path,
                    m,
                    nm,
                )
        for e in nm.raises:
            if e not in m.raises:
                self.emit(
                    R.METHOD_ERROR_ADDED, f"{path} now declares that it raises {e}", path, m, nm
                )

    def klass(self, d: ugm.Class, nd: ugm.Class) -> None:
        deprecated = ugm.deprecation(d) is not None
        ctor = f"{d.name}.constructor"
        if d.constructor is not None and nd.constructor is None:
            self.removed(
                R.CONSTRUCTOR_REMOVED,
                f"the constructor of class {d.name}",
                ctor,
                d.constructor,
                nd,
                deprecated,
            )
        elif d.constructor is None and nd.constructor is not None:
            self.emit(
                R.MEMBER_ADDED,
                f"class {d.name} gained a constructor",
                ctor,
                d,
                nd.constructor,
            )
        elif d.constructor is not None and nd.constructor is not None:
            self.deprecation_added(
                f"the constructor of class {d.name}", ctor, d.constructor, nd.constructor
            )
            self.raises(ctor, d.constructor, nd.constructor)
            self.params(ctor, d.constructor, nd.constructor)
        self.methods(d.name, d, nd, d.methods, nd.methods)
        new_props = {p.name: p for p in nd.properties}
        old_props = {p.name for p in d.properties}
        for p in d.properties:
            path = f"{d.name}.{p.name}"
            np = new_props.get(p.name)
            if np is None:
                self.removed(R.PROPERTY_REMOVED, f"property {path}", path, p, nd, deprecated)
                continue
            self.deprecation_added(f"property {path}", path, p, np)
            flow = Flow.OUT if (p.readonly or np.readonly) else BOTH_FLOWS
            self.type_change(
                R.PROPERTY_TYPE_CHANGED, f"property {path}", path, p.type, np.type, flow, p, np
            )
            if not p.readonly and np.readonly:
                self.emit(
                    R.PROPERTY_SETTER_REMOVED,
                    f"property {path} lost its setter (it is no longer `mut`)",
                    path,
                    p,
                    np,
                )
            elif p.readonly and not np.readonly:
                self.emit(R.MEMBER_ADDED, f"property {path} gained a setter", path, p, np)
        for np in nd.properties:
            if np.name not in old_props:
                path = f"{d.name}.{np.name}"
                self.emit(R.MEMBER_ADDED, f"property {path} was added", path, d, np)

    # -- parameters --------------------------------------------------------------------------

    def params(
        self, owner: str, m: ugm.Method | ugm.Constructor, nm: ugm.Method | ugm.Constructor
    ) -> None:
        old, new = m.params, nm.params
        old_names = [p.name for p in old]
        new_names = [p.name for p in new]
        pairs: list[tuple[int, int, bool]] = []  # (old index, new index, renamed)
        for i, p in enumerate(old):
            if p.name in new_names:
                pairs.append((i, new_names.index(p.name), False))
            elif i < len(new) and new[i].name not in old_names and new[i].type == p.type:
                pairs.append((i, i, True))
        matched_old = {i for i, _, _ in pairs}
        matched_new = {j for _, j, _ in pairs}

        for i, p in enumerate(old):
            if i not in matched_old:
                self.emit(
                    R.PARAM_REMOVED,
                    f'parameter "{p.name}" of {owner} was removed',
                    f"{owner}({p.name})",
                    p,
                    nm,
                )
        for i, j, renamed in pairs:
            self.param(owner, old[i], new[j], i, j, renamed)
        for j, q in enumerate(new):
            if j in matched_new:
                continue
            path = f"{owner}({q.name})"
            if q.default is None:
                self.emit(
                    R.PARAM_ADDED_REQUIRED,
                    f'parameter "{q.name}" was added to {owner} without a default; '
                    "old callers do not pass it",
                    path,
                    m,
                    q,
                )
            else:
                self.emit(
                    R.PARAM_ADDED,
                    f'parameter "{q.name}" was added to {owner} with the default {_lit(q.default)}',
                    path,
                    m,
                    q,
                )

    def param(self, owner: str, p: ugm.Param, q: ugm.Param, i: int, j: int, renamed: bool) -> None:
        path = f"{owner}({p.name})"
        what = f'parameter "{p.name}" of {owner}'
        if renamed:
            if _by_keyword(p):
                self.emit(R.PARAM_RENAMED, f'{what} was renamed to "{q.name}"', path, p, q)
            else:
                self.emit(
                    R.PARAM_RENAMED_POSITIONAL_ONLY,
                    f'{what} was renamed to "{q.name}" (positional-only, so callers are unaffected)',
                    path,
                    p,
                    q,
                )
        lost = False
        if _positional(p) and not _positional(q):
            lost = True
            self.emit(
                R.PARAM_BECAME_KEYWORD_ONLY,
                f"{what} became keyword-only; old callers passing it by position fail",
                path,
                p,
                q,
            )
        if _by_keyword(p) and not _by_keyword(q):
            lost = True
            self.emit(
                R.PARAM_BECAME_POSITIONAL_ONLY,
                f"{what} became positional-only; old callers passing it by keyword fail",
                path,
                p,
                q,
            )
        if not lost and p.kind != q.kind:
            self.emit(
                R.PARAM_KIND_RELAXED,
                f"{what} may now be passed by position or by keyword",
                path,
                p,
                q,
            )
        if _positional(p) and _positional(q) and i != j:
            self.emit(
                R.PARAM_MOVED,
                f"{what} moved from position {i + 1} to {j + 1}; "
                "old callers passing arguments by position now bind them differently",
                path,
                p,
                q,
            )
        self.type_change(R.PARAM_TYPE_CHANGED, what, path, p.type, q.type, Flow.IN, p, q)
        if p.default is not None and q.default is None:
            self.emit(
                R.PARAM_MADE_REQUIRED,
                f"{what} lost its default {_lit(p.default)}; old callers that omit it fail",
                path,
                p,
                q,
            )
        elif p.default is None and q.default is not None:
            self.emit(R.DEFAULT_ADDED, f"{what} gained the default {_lit(q.default)}", path, p, q)
        elif p.default != q.default:
            self.emit(
                R.PARAM_DEFAULT_CHANGED,
                f"{what} changed its default from {_lit(p.default)} to {_lit(q.default)}; "
                "old callers that omit it now get the new value",
                path,
                p,
                q,
            )


def find_changes(old: ugm.Module, new: ugm.Module) -> list[Finding]:
    """Every finding for changing `old` into `new`, unfiltered, in walk order."""
    return _Checker(old, new).run()
