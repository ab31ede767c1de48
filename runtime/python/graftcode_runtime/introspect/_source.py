"""Where things are defined: each source file is parsed once, definitions found by qualified name.

Positions make problems point at the exact line (and the parameter or annotation) at fault, and
they give the declaration order. The syntax tree also holds what the runtime objects lack:
attribute docstrings (a string literal right after a field or enum member) and attributes declared
in `__init__` as `self.name: T = ...`.
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from ._attribute_docs import attribute_docs

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Location:
    file: str
    line: int = 0  # 1-based; 0 when unknown
    column: int = 0  # 1-based; 0 when unknown


@dataclass
class _File:
    path: str
    tree: ast.Module | None
    lines: list[str] = field(default_factory=list)
    defs: dict[str, ast.ClassDef | FunctionNode] = field(default_factory=dict)


@dataclass(frozen=True)
class InitAttribute:
    """`self.name: annotation = ...` inside `__init__`."""

    name: str
    annotation: str
    location: Location


@dataclass(frozen=True)
class InitAssignment:
    """`self.name = value` or `self.name: annotation = value` inside `__init__`."""

    name: str
    annotation: str | None  # the text of `T` in `self.name: T = ...`
    parameter: str | None  # `self.name = p`: the `__init__` parameter assigned unchanged
    unconditional: bool  # a statement of the body itself (not under if/for/try/with): always runs
    location: Location
    literal: str | None = None  # `self.name = 3`/`"x"`/`f"..."`: the builtin type's name


def literal_type(value: ast.expr | None) -> str | None:
    """The builtin type a literal value has: `3` int, `"x"` and `f"{a}"` str, `True` bool..."""
    if isinstance(value, ast.JoinedStr):
        return "str"
    if isinstance(value, ast.Constant) and type(value.value) in (bool, int, float, str):
        return type(value.value).__name__
    return None


def node_location(file: str, node: ast.AST | None) -> Location:
    if node is None:
        return Location(file)
    return Location(file, getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1)


class SourceIndex:
    """Syntax trees of the files that define exported objects, parsed lazily, each once."""

    def __init__(self) -> None:
        self._files: dict[str, _File] = {}

    def file_of(self, obj: Any) -> str:
        obj = _unwrap(obj)
        for getter in (inspect.getsourcefile, inspect.getfile):
            try:
                found = getter(obj)
            except (TypeError, OSError):
                continue
            if found:
                return found
        module = inspect.getmodule(obj)
        return getattr(module, "__file__", None) or getattr(obj, "__module__", None) or "<unknown>"

    def _file(self, path: str) -> _File:
        cached = self._files.get(path)
        if cached is not None:
            return cached
        tree: ast.Module | None
        text = ""
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            tree = ast.parse(text, path)
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            tree = None
        info = _File(path, tree, text.splitlines())
        if tree is not None:
            _index(tree.body, "", info.defs)
        self._files[path] = info
        return info

    def definition(self, obj: Any) -> ast.ClassDef | FunctionNode | None:
        """The `class`/`def` statement of a class or function, when its source is available."""
        obj = _unwrap(obj)
        qualname = getattr(obj, "__qualname__", None)
        if not isinstance(qualname, str):
            return None
        return self._file(self.file_of(obj)).defs.get(qualname)

    def function(self, fn: Any) -> FunctionNode | None:
        node = self.definition(fn)
        return node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None

    def locate(self, obj: Any) -> Location:
        """The `def`/`class` line, pointing at the name (decorators are skipped)."""
        file = self.file_of(obj)
        node = self.definition(obj)
        if node is None:
            code = getattr(_unwrap(obj), "__code__", None)
            return Location(file, getattr(code, "co_firstlineno", 0), 0)
        return Location(file, node.lineno, _name_column(self._file(file), node))

    def module_assignment(self, file: str, name: str) -> Location:
        """Where a module-level `name = ...` is (the first one), else the file alone."""
        tree = self._file(file).tree
        if tree is not None:
            for stmt in tree.body:
                if name in _names_bound(stmt):
                    return node_location(file, stmt)
        return Location(file)

    def class_member(self, cls: type, name: str) -> Location:
        """Where `name` is assigned, annotated or defined in the body of `cls` (else the class)."""
        node = self.definition(cls)
        file = self.file_of(cls)
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if name in _names_bound(stmt):
                    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                        return Location(file, stmt.lineno, _name_column(self._file(file), stmt))
                    return node_location(file, stmt)
            for attr in self.init_attributes(cls):
                if attr.name == name:
                    return attr.location
        return self.locate(cls)

    def attribute_docs(self, cls: type) -> dict[str, str]:
        """Doc comments of attributes, in the class body or in `__init__` (`self.x: T = ...`):
        a string literal below or above, or `#:` comments (see `_attribute_docs`)."""
        node = self.definition(cls)
        if not isinstance(node, ast.ClassDef):
            return {}
        lines = self._file(self.file_of(cls)).lines

        def in_body(stmt: ast.stmt) -> str | None:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                return None
            names = _names_bound(stmt)
            return names[0] if len(names) == 1 else None

        docs: dict[str, str] = {}
        init = _init_of(node)
        if init is not None and init.args.args:
            self_name = init.args.args[0].arg

            def in_init(stmt: ast.stmt) -> str | None:
                target: ast.expr | None = None
                if isinstance(stmt, ast.AnnAssign):
                    target = stmt.target
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target = stmt.targets[0]
                return _self_attribute(target, self_name)

            docs.update(attribute_docs(init.body, lines, in_init))
        docs.update(attribute_docs(node.body, lines, in_body))
        return docs

    def assigned_in_methods(self, cls: type) -> set[str]:
        """Attributes a method of `cls` other than `__init__` and the other dunder hooks
        (`__setstate__`, `__replace__`...) assigns as `self.name = ...`: evidence that the
        attribute is meant to change after construction."""
        node = self.definition(cls)
        found: set[str] = set()
        if not isinstance(node, ast.ClassDef):
            return found
        for stmt in node.body:
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) or not stmt.args.args:
                continue
            if stmt.name.startswith("__") and stmt.name.endswith("__"):
                continue
            self_name = stmt.args.args[0].arg
            for sub in ast.walk(stmt):
                targets: list[ast.expr] = []
                if isinstance(sub, ast.Assign):
                    targets = list(sub.targets)
                elif isinstance(sub, ast.AnnAssign | ast.AugAssign):
                    targets = [sub.target]
                for t in targets:
                    for e in t.elts if isinstance(t, ast.Tuple | ast.List) else [t]:
                        attr = _self_attribute(e, self_name)
                        if attr is not None:
                            found.add(attr)
        return found

    def init_attributes(self, cls: type) -> list[InitAttribute]:
        """Attributes declared in `cls.__init__` as `self.name: annotation = value`."""
        node = self.definition(cls)
        if not isinstance(node, ast.ClassDef):
            return []
        file = self.file_of(cls)
        found: list[InitAttribute] = []
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__" and stmt.args.args:
                self_name = stmt.args.args[0].arg
                for sub in ast.walk(stmt):
                    if (
                        isinstance(sub, ast.AnnAssign)
                        and isinstance(sub.target, ast.Attribute)
                        and isinstance(sub.target.value, ast.Name)
                        and sub.target.value.id == self_name
                    ):
                        found.append(
                            InitAttribute(
                                sub.target.attr,
                                ast.unparse(sub.annotation),
                                node_location(file, sub.target),
                            )
                        )
        return found

    def init_assignments(self, cls: type) -> list[InitAssignment]:
        """Every `self.name = ...` (and `self.name: T = ...`) in `cls.__init__`, in source order;
        nested functions and classes are not looked into."""
        node = self.definition(cls)
        if not isinstance(node, ast.ClassDef):
            return []
        init = _init_of(node)
        if init is None:
            return []
        positional = [*init.args.posonlyargs, *init.args.args]
        if not positional:
            return []
        self_name = positional[0].arg
        params = {a.arg for a in [*positional[1:], *init.args.kwonlyargs]}
        file = self.file_of(cls)
        found: list[InitAssignment] = []

        def target(t: ast.expr) -> str | None:
            return _self_attribute(t, self_name)

        def parameter(value: ast.expr | None) -> str | None:
            return value.id if isinstance(value, ast.Name) and value.id in params else None

        def visit(stmt: ast.stmt, unconditional: bool) -> None:
            if isinstance(stmt, ast.AnnAssign):
                name = target(stmt.target)
                if name is not None:
                    found.append(
                        InitAssignment(
                            name,
                            ast.unparse(stmt.annotation),
                            parameter(stmt.value),
                            unconditional and stmt.value is not None,
                            node_location(file, stmt.target),
                        )
                    )
            elif isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    pairs: list[tuple[ast.expr, ast.expr | None]] = [(t, stmt.value)]
                    if isinstance(t, ast.Tuple | ast.List):
                        # `self.a, self.b = a, b` pairs up; unpacking anything else is untyped.
                        values: list[ast.expr | None] = [None] * len(t.elts)
                        if isinstance(stmt.value, ast.Tuple | ast.List) and len(
                            stmt.value.elts
                        ) == len(t.elts):
                            values = list(stmt.value.elts)
                        pairs = list(zip(t.elts, values, strict=True))
                    for element, value in pairs:
                        name = target(element)
                        if name is not None:
                            found.append(
                                InitAssignment(
                                    name,
                                    None,
                                    parameter(value),
                                    unconditional,
                                    node_location(file, element),
                                    literal_type(value),
                                )
                            )
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                return
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    visit(child, False)
                elif isinstance(child, ast.ExceptHandler | ast.match_case):
                    for sub in child.body:
                        visit(sub, False)

        for stmt in init.body:
            visit(stmt, True)
        return found


def _self_attribute(target: ast.expr | None, self_name: str) -> str | None:
    """`name` when `target` is `self.name` (`self` being `self_name`)."""
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == self_name
    ):
        return target.attr
    return None


def _init_of(node: ast.ClassDef) -> ast.FunctionDef | None:
    inits = [s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"]
    return inits[-1] if inits else None  # a later definition wins, as at run time


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    try:
        return inspect.unwrap(obj)
    except ValueError:
        return obj


def _index(body: list[ast.stmt], prefix: str, out: dict[str, ast.ClassDef | FunctionNode]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            qualname = prefix + stmt.name
            # A later definition wins, as it does at run time (e.g. a property's setter).
            if not (qualname in out and _is_setter(stmt)):
                out[qualname] = stmt
            if isinstance(stmt, ast.ClassDef):
                _index(stmt.body, qualname + ".", out)
        elif isinstance(stmt, ast.If | ast.Try):
            # Definitions under `if sys.version_info...:` or `try: ... except ImportError:`.
            _index(stmt.body, prefix, out)
            for handler in getattr(stmt, "handlers", []):
                _index(handler.body, prefix, out)
            _index(stmt.orelse, prefix, out)


def _is_setter(stmt: ast.stmt) -> bool:
    """`@x.setter`/`@x.deleter` redefine a property; the getter is where it is documented."""
    if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return any(
        isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter")
        for d in stmt.decorator_list
    )


def _names_bound(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id]
    if isinstance(stmt, ast.Assign):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [stmt.name]
    return []


def _name_column(info: _File, node: ast.ClassDef | FunctionNode) -> int:
    """1-based column of the name after `def`/`class`, found in the source line."""
    if not 0 < node.lineno <= len(info.lines):
        return node.col_offset + 1
    text = info.lines[node.lineno - 1]
    # Match the keyword too: a bare search finds `f` of `def f` inside `def` itself.
    keyword = r"class" if isinstance(node, ast.ClassDef) else r"(?:async\s+)?def"
    found = re.compile(rf"{keyword}\s+({re.escape(node.name)})\b").search(text, node.col_offset)
    return (found.start(1) if found else node.col_offset) + 1
