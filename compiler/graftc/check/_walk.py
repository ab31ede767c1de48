"""The pair walker: matches old and new at every level and yields the pairs, parents first.

Matching is by name everywhere. A rename is recognised only where the wire and the code make it
unambiguous: a field or parameter at the same position with the same type whose old name is gone
and whose new name is new, and an enum member with the same value under a new name. Everything
else that disappears is a removal.

The order is the order of the findings: within a container, what the old version has (kept,
renamed or removed) in old order, then what is new, in new order; a kept thing's own pair comes
before the pairs inside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graftcode_runtime import ugm

from graftc.check._pairs import (
    ConstructorPair,
    DeclPair,
    EnumMemberPair,
    FieldDefaultPair,
    FieldListPair,
    FieldPair,
    FieldTypePair,
    MethodPair,
    ModulePair,
    Pair,
    ParamDefaultPair,
    ParamPair,
    ParamTypePair,
    PropertyPair,
    PropertyTypePair,
    RaisesPair,
    ReturnTypePair,
    SetterPair,
)
from graftc.check._types import BOTH_FLOWS, Assignability, Flow, flows


def walk(
    old: ugm.Module | None, new: ugm.Module | None, old_file: str = "", new_file: str = ""
) -> Iterator[Pair]:
    top = ModulePair(old, new, old_file, new_file)
    yield top
    if old is not None and new is not None:
        yield from _Walker(old, new).decls(top, old, new)
    elif new is not None:
        yield from (DeclPair(None, d, top) for d in new.decls)


class _Walker:
    def __init__(self, old: ugm.Module, new: ugm.Module) -> None:
        # Directions come from the old module: that is how old callers use its types.
        self.flows = flows(old)
        self.types = Assignability(old, new)

    def decls(self, top: ModulePair, old: ugm.Module, new: ugm.Module) -> Iterator[Pair]:
        for d in old.decls:
            pair = DeclPair(d, new.find(d.name), top)
            yield pair
            if pair.kept:
                yield from self.inside(pair)
        for nd in new.decls:
            if old.find(nd.name) is None:
                yield DeclPair(None, nd, top)

    def inside(self, pair: DeclPair) -> Iterator[Pair]:
        d, nd = pair.old, pair.new
        if isinstance(d, ugm.Record) and isinstance(nd, ugm.Record):
            yield from self.fields(pair, d.fields, nd.fields, self.flows.get(d.name, BOTH_FLOWS))
        elif isinstance(d, ugm.Error) and isinstance(nd, ugm.Error):
            yield from self.fields(pair, d.fields, nd.fields, Flow.OUT)  # errors only come back
        elif isinstance(d, ugm.Enum) and isinstance(nd, ugm.Enum):
            yield from self.members(pair, d, nd)
        elif isinstance(d, ugm.Service) and isinstance(nd, ugm.Service):
            yield from self.methods(pair, d.methods, nd.methods)
        elif isinstance(d, ugm.Class) and isinstance(nd, ugm.Class):
            if d.constructor is not None or nd.constructor is not None:
                ctor = ConstructorPair(d.constructor, nd.constructor, pair)
                yield ctor
                if ctor.kept:
                    yield from self.signature(ctor)
            yield from self.methods(pair, d.methods, nd.methods)
            yield from self.properties(pair, d.properties, nd.properties)

    def fields(
        self, pair: DeclPair, old: Sequence[ugm.Field], new: Sequence[ugm.Field], flow: Flow
    ) -> Iterator[Pair]:
        old_names = {f.name for f in old}
        new_by_name: dict[str, ugm.Field] = {}
        for g in new:
            new_by_name.setdefault(g.name, g)
        renamed: dict[str, ugm.Field] = {}
        for i, f in enumerate(old):
            if f.name in new_by_name or i >= len(new):
                continue
            g = new[i]
            if g.name not in old_names and g.type == f.type:
                renamed[f.name] = g
        for f in old:
            fp = FieldPair(f, renamed.get(f.name) or new_by_name.get(f.name), pair, flow)
            yield fp
            if fp.kept:
                yield from self.typed(fp)
        yield FieldListPair(tuple(old), tuple(new), pair)
        targets = {g.name for g in renamed.values()}
        for g in new:
            if g.name not in old_names and g.name not in targets:
                yield FieldPair(None, g, pair, flow)

    def typed(self, pair: FieldPair | ParamPair) -> Iterator[Pair]:
        """The type and default pairs of a field or parameter kept in both versions."""
        old, new = pair.old, pair.new
        assert old is not None and new is not None
        if old.type != new.type:
            if isinstance(pair, FieldPair):
                yield FieldTypePair(old.type, new.type, pair, pair.flow, self.types)
            else:
                yield ParamTypePair(old.type, new.type, pair, Flow.IN, self.types)
        if old.default != new.default:
            if isinstance(pair, FieldPair):
                yield FieldDefaultPair(old.default, new.default, pair)
            else:
                yield ParamDefaultPair(old.default, new.default, pair)

    def members(self, pair: DeclPair, d: ugm.Enum, nd: ugm.Enum) -> Iterator[Pair]:
        flow = self.flows.get(d.name, BOTH_FLOWS)
        new_by_name = {m.name: m for m in nd.members}
        new_by_value = {m.value: m for m in nd.members}
        old_names = {m.name for m in d.members}
        renamed_to: set[str] = set()
        for m in d.members:
            nm = new_by_name.get(m.name)
            if nm is None:
                alias = new_by_value.get(m.value)
                if alias is not None and alias.name not in old_names:
                    renamed_to.add(alias.name)
                    nm = alias
            yield EnumMemberPair(m, nm, pair, flow)
        for nm in nd.members:
            if nm.name not in old_names and nm.name not in renamed_to:
                yield EnumMemberPair(None, nm, pair, flow)

    def methods(
        self, pair: DeclPair, old: Sequence[ugm.Method], new: Sequence[ugm.Method]
    ) -> Iterator[Pair]:
        new_by_name = {m.name: m for m in new}
        old_names = {m.name for m in old}
        for m in old:
            mp = MethodPair(m, new_by_name.get(m.name), pair)
            yield mp
            if mp.new is not None:
                if m.returns != mp.new.returns:
                    yield ReturnTypePair(m.returns, mp.new.returns, mp, Flow.OUT, self.types)
                yield from self.signature(mp)
        for nm in new:
            if nm.name not in old_names:
                yield MethodPair(None, nm, pair)

    def properties(
        self, pair: DeclPair, old: Sequence[ugm.Property], new: Sequence[ugm.Property]
    ) -> Iterator[Pair]:
        new_by_name = {p.name: p for p in new}
        old_names = {p.name for p in old}
        for p in old:
            pp = PropertyPair(p, new_by_name.get(p.name), pair)
            yield pp
            np = pp.new
            if np is None:
                continue
            if p.type != np.type:
                # Values written to a `mut` property flow in; a read-only side only reads.
                flow = Flow.OUT if (p.readonly or np.readonly) else BOTH_FLOWS
                yield PropertyTypePair(p.type, np.type, pp, flow, self.types)
            if not (p.readonly and np.readonly):
                yield SetterPair(None if p.readonly else p, None if np.readonly else np, pp)
        for np in new:
            if np.name not in old_names:
                yield PropertyPair(None, np, pair)

    def signature(self, pair: MethodPair | ConstructorPair) -> Iterator[Pair]:
        """The declared errors, then the parameters, of a method or constructor in both."""
        m, nm = pair.old, pair.new
        assert m is not None and nm is not None
        for e in m.raises:
            yield RaisesPair(e, e if e in nm.raises else None, pair)
        for e in nm.raises:
            if e not in m.raises:
                yield RaisesPair(None, e, pair)
        yield from self.params(pair, m.params, nm.params)

    def params(
        self, pair: MethodPair | ConstructorPair, old: Sequence[ugm.Param], new: Sequence[ugm.Param]
    ) -> Iterator[Pair]:
        old_names = [p.name for p in old]
        new_names = [p.name for p in new]
        matched: list[tuple[int, int]] = []
        for i, p in enumerate(old):
            if p.name in new_names:
                matched.append((i, new_names.index(p.name)))
            elif i < len(new) and new[i].name not in old_names and new[i].type == p.type:
                matched.append((i, i))  # renamed in place
        matched_old = {i for i, _ in matched}
        matched_new = {j for _, j in matched}
        for i, p in enumerate(old):
            if i not in matched_old:
                yield ParamPair(p, None, pair, i, None)
        for i, j in matched:
            pp = ParamPair(old[i], new[j], pair, i, j)
            yield pp
            yield from self.typed(pp)
        for j, q in enumerate(new):
            if j not in matched_new:
                yield ParamPair(None, q, pair, None, j)
