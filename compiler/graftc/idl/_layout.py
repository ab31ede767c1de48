"""What `graftc fmt` keeps from the source that the UGM does not hold: plain comments and the
blank lines that group members.

Each comment is attached to an item (a declaration, a member or the module header), as a
leading comment (on the lines before it), a trailing comment (on the line where it ends), or an
end comment of a body (after its last member). Items are keyed by their span's start, so the
attachment survives the printer's canonical ordering of class members.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graftcode_runtime import ugm
from lark import Token

from graftc.idl._positions import ItemExtent, Pos

MODULE_END: Pos = (0, 0)
"""The key of the comments after the last declaration of the file."""


@dataclass(frozen=True)
class Comment:
    text: str
    blank_before: bool


@dataclass
class Layout:
    leading: dict[Pos, list[Comment]] = field(default_factory=dict)
    trailing: dict[Pos, list[Comment]] = field(default_factory=dict)
    end: dict[Pos, list[Comment]] = field(default_factory=dict)
    blank_before: dict[Pos, bool] = field(default_factory=dict)


@dataclass
class _Item:
    key: Pos
    extent: ItemExtent
    children: list[_Item]


def build_layout(
    module: ugm.Module, extents: dict[Pos, ItemExtent], comments: list[Token], text: str
) -> Layout:
    lines = text.split("\n")
    layout = Layout()
    root = [_item(module, extents)] + [_item(d, extents) for d in module.decls]
    for item in _all(root):
        layout.blank_before[item.key] = _blank_before(lines, item.extent.start)
    for tok in comments:
        pos = (tok.line or 0, tok.column or 0)
        comment = Comment(str(tok).rstrip(), _blank_before(lines, pos))
        _attach(layout, root, MODULE_END, pos, comment)
    return layout


def _item(node: ugm.Module | ugm.Decl, extents: dict[Pos, ItemExtent]) -> _Item:
    members: list[ugm.Field | ugm.EnumMember | ugm.Method | ugm.Constructor | ugm.Property]
    members = []
    if isinstance(node, ugm.Record | ugm.Error):
        members = list(node.fields)
    elif isinstance(node, ugm.Enum):
        members = list(node.members)
    elif isinstance(node, ugm.Service):
        members = list(node.methods)
    elif isinstance(node, ugm.Class):
        members = [*([node.constructor] if node.constructor else []), *node.methods]
        members += node.properties
    children = [_Item(_key(m), extents[_key(m)], []) for m in members]
    children.sort(key=lambda c: c.extent.start)
    return _Item(_key(node), extents[_key(node)], children)


def _key(node: object) -> Pos:
    span = getattr(node, "span", None)
    assert isinstance(span, ugm.Span)
    return (span.line, span.column)


def _all(items: list[_Item]) -> list[_Item]:
    out = []
    for item in items:
        out.append(item)
        out.extend(_all(item.children))
    return out


def _blank_before(lines: list[str], pos: Pos) -> bool:
    """True when the item or comment at `pos` starts its line and a blank line precedes it."""
    line, column = pos
    if line < 2 or lines[line - 1][: column - 1].strip():
        return False
    return not lines[line - 2].strip()


def _attach(layout: Layout, items: list[_Item], container: Pos, pos: Pos, c: Comment) -> None:
    while True:
        prev: _Item | None = None
        nxt: _Item | None = None
        inside: _Item | None = None
        for item in items:
            if item.extent.start <= pos < item.extent.end:
                inside = item
            elif item.extent.end <= pos:
                prev = item
            elif nxt is None:
                nxt = item
        if inside is not None:
            body = inside.extent.body
            if body is not None and pos >= body:
                items, container = inside.children, inside.key
                continue
            # A comment inside an item's text moves above the item, taking over the blank
            # line that separated the item from what came before.
            c = Comment(c.text, layout.blank_before.get(inside.key, False))
            layout.blank_before[inside.key] = False
            layout.leading.setdefault(inside.key, []).append(c)
        elif prev is not None and prev.extent.end[0] == pos[0]:
            layout.trailing.setdefault(prev.key, []).append(c)
        elif nxt is not None:
            layout.leading.setdefault(nxt.key, []).append(c)
        else:
            layout.end.setdefault(container, []).append(c)
        return
