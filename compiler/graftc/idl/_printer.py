"""The canonical `.graft` text of a UGM.

Canonical means: declarations in model order, one blank line between them, four-space indents,
one item per line, class members grouped as constructor, methods, properties, and every literal
spelled the one way the parser reads back to the same value. Given a `Layout` (from
`graftc fmt`), plain comments and the blank lines separating members are kept as written;
without one (a model from the exporter) members are spaced by a fixed rule.
"""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.idl._layout import MODULE_END, Comment, Layout
from graftc.idl._literals import format_float, quote_bytes, quote_str
from graftc.targets.common.values import Spelling, spell

INDENT = "    "

Member = ugm.Field | ugm.EnumMember | ugm.Method | ugm.Constructor | ugm.Property


def print_module(module: ugm.Module, layout: Layout | None = None) -> str:
    """The canonical text of `module`, ending with one newline."""
    return _Printer(layout).module(module)


type_text = ugm.type_text


class _IdlValues(Spelling):
    """The IDL's spelling for the one value walk every target shares (`common.values`)."""

    def floating(self, v: ugm.FloatLit, t: ugm.TypeRef | None) -> str:
        return format_float(v.value)

    def string(self, v: ugm.StrLit, t: ugm.TypeRef | None) -> str:
        return quote_str(v.value)

    def binary(self, v: ugm.BytesLit) -> str:
        return quote_bytes(v.value)


_IDL_VALUES = _IdlValues()


def value_text(v: ugm.Value) -> str:
    return spell(v, _IDL_VALUES)


def params_text(params: tuple[ugm.Param, ...]) -> str:
    parts: list[str] = []
    for i, p in enumerate(params):
        prev = params[i - 1].kind if i else None
        if p.kind == "keyword" and prev != "keyword":
            if prev == "positional":
                parts.append("/")
            parts.append("*")
        elif p.kind == "either" and prev == "positional":
            parts.append("/")
        text = f"{p.name}: {type_text(p.type)}"
        if p.default is not None:
            text += f" = {value_text(p.default)}"
        parts.append(text)
    if params and params[-1].kind == "positional":
        parts.append("/")
    return ", ".join(parts)


def annotation_text(a: ugm.Annotation) -> str:
    if not a.args:
        return f"@{a.name}"
    return f"@{a.name}(" + ", ".join(value_text(v) for v in a.args) + ")"


def _raises(names: tuple[str, ...]) -> str:
    return " raises " + ", ".join(names) if names else ""


def _key(node: object) -> tuple[int, int] | None:
    span = getattr(node, "span", None)
    return (span.line, span.column) if isinstance(span, ugm.Span) else None


class _Printer:
    def __init__(self, layout: Layout | None) -> None:
        self.layout = layout
        self.lines: list[str] = []

    # -- layout plumbing -----------------------------------------------------------------------

    def _comments(self, table: str, key: tuple[int, int] | None) -> list[Comment]:
        if self.layout is None or key is None:
            return []
        found: list[Comment] = getattr(self.layout, table).get(key, [])
        return found

    def _blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def _emit_comment(self, c: Comment, indent: str) -> None:
        first, *rest = c.text.split("\n")
        self.lines.append(indent + first)
        self.lines.extend(rest)

    def _item(
        self, node: ugm.Module | ugm.Decl | Member, indent: str, first: bool, blank: bool
    ) -> None:
        """Leading comments, then the item, then its trailing comments. `first`: nothing comes
        before it in its body; `blank`: the default when the layout does not say."""
        key = _key(node)
        for c in self._comments("leading", key):
            if not first and c.blank_before:
                self._blank()
            self._emit_comment(c, indent)
            first = False
        if not first:
            if self.layout is not None and key in self.layout.blank_before:
                if self.layout.blank_before[key]:
                    self._blank()
            elif blank:
                self._blank()
        self._docs(node, indent)
        self._body(node, indent)
        trailing = self._comments("trailing", key)
        if trailing:
            self.lines[-1] += " " + " ".join(c.text for c in trailing)

    def _end_comments(self, key: tuple[int, int] | None, indent: str, first: bool) -> None:
        for c in self._comments("end", key):
            if not first and c.blank_before:
                self._blank()
            self._emit_comment(c, indent)
            first = False

    def _docs(self, node: ugm.Module | ugm.Decl | Member, indent: str) -> None:
        if node.doc is not None:
            for line in node.doc.split("\n"):
                self.lines.append(f"{indent}/// {line}" if line else f"{indent}///")
        for a in node.annotations:
            self.lines.append(indent + annotation_text(a))

    # -- items ---------------------------------------------------------------------------------

    def module(self, m: ugm.Module) -> str:
        self._item(m, "", first=True, blank=False)
        for d in m.decls:
            self._blank()
            self._item(d, "", first=True, blank=False)
        self._end_comments(MODULE_END, "", first=not self.lines)
        return "\n".join(self.lines) + "\n"

    def _body(self, node: ugm.Module | ugm.Decl | Member, indent: str) -> None:
        if isinstance(node, ugm.Module):
            self.lines.append(f"module {node.name} version {quote_str(node.version)};")
        elif isinstance(node, ugm.Record):
            self._block(f"record {node.name}", node, [(f, False) for f in node.fields], indent)
        elif isinstance(node, ugm.Enum):
            self._block(f"enum {node.name}", node, [(m, False) for m in node.members], indent)
        elif isinstance(node, ugm.Error):
            head = f"error {node.name}" + (f" extends {node.base}" if node.base else "")
            if not node.fields and not self._comments("end", _key(node)):
                self.lines.append(indent + head + ";")
            else:
                self._block(head, node, [(f, False) for f in node.fields], indent)
        elif isinstance(node, ugm.Service):
            self._block(f"service {node.name}", node, [(m, True) for m in node.methods], indent)
        elif isinstance(node, ugm.Class):
            members: list[tuple[Member, bool]] = []
            if node.constructor is not None:
                members.append((node.constructor, True))
            members += [(m, True) for m in node.methods]
            members += [(p, i == 0) for i, p in enumerate(node.properties)]
            self._block(f"class {node.name}", node, members, indent)
        else:
            self.lines.append(indent + _member_text(node))

    def _block(
        self,
        head: str,
        node: ugm.Decl,
        members: list[tuple[Member, bool]],
        indent: str,
    ) -> None:
        key = _key(node)
        if not members and not self._comments("end", key):
            self.lines.append(f"{indent}{head} {{}}")
            return
        self.lines.append(f"{indent}{head} {{")
        inner = indent + INDENT
        for i, (member, blank) in enumerate(members):
            self._item(member, inner, first=i == 0, blank=blank)
        self._end_comments(key, inner, first=not members)
        self.lines.append(indent + "}")


def _member_text(node: Member) -> str:
    if isinstance(node, ugm.Field):
        text = f"{node.name}: {type_text(node.type)}"
        if node.default is not None:
            text += f" = {value_text(node.default)}"
        return text + ";"
    if isinstance(node, ugm.EnumMember):
        value = quote_str(node.value) if isinstance(node.value, str) else str(int(node.value))
        return f"{node.name} = {value};"
    if isinstance(node, ugm.Method):
        text = ("static " if node.static else "") + f"fn {node.name}({params_text(node.params)})"
        if node.returns != ugm.Primitive("none"):
            text += f" -> {type_text(node.returns)}"
        return text + _raises(node.raises) + ";"
    if isinstance(node, ugm.Constructor):
        return f"constructor({params_text(node.params)}){_raises(node.raises)};"
    mut = "" if node.readonly else "mut "
    return f"prop {mut}{node.name}: {type_text(node.type)};"
