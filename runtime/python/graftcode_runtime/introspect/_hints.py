"""Resolving annotations to runtime types, one at a time, so one bad annotation names itself.

`typing.get_type_hints` resolves a whole object at once and stops at the first failure; here each
annotation (a string under `from __future__ import annotations`, or already an object) is
evaluated alone against the namespace it was written in.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import sys
import typing
from collections.abc import Mapping
from typing import Any


class HintError(Exception):
    """An annotation that cannot be evaluated; the message says why and how to fix it."""

    def __init__(self, message: str, undefined_name: bool = False) -> None:
        super().__init__(message)
        self.undefined_name = undefined_name


def resolve(annotation: object, globalns: Mapping[str, Any], localns: Mapping[str, Any]) -> Any:
    """The runtime type an annotation denotes. Raises HintError when it cannot be evaluated.

    Names a module imports only under `if TYPE_CHECKING:` (common with deferred annotations) are
    imported on demand, so those annotations resolve as a type checker reads them.
    """
    try:
        return _resolve(annotation, globalns, localns)
    except HintError as e:
        if not e.undefined_name:
            raise
        extra = type_checking_names(globalns)
        if not extra:
            raise
        return _resolve(annotation, {**extra, **globalns}, localns)


def _resolve(annotation: object, globalns: Mapping[str, Any], localns: Mapping[str, Any]) -> Any:
    # A throwaway class gives get_type_hints' class semantics: ClassVar and Final are accepted,
    # and strings are evaluated with the given namespaces.
    holder = type("_Annotation", (), {"__annotations__": {"x": annotation}})
    try:
        return typing.get_type_hints(
            holder, globalns=dict(globalns), localns=dict(localns), include_extras=True
        )["x"]
    except NameError as e:
        raise HintError(
            f"the annotation {_text(annotation)} cannot be resolved: {e}; import the name at "
            "module level (or under `if TYPE_CHECKING:`)",
            undefined_name=True,
        ) from None
    except Exception as e:
        raise HintError(
            f"the annotation {_text(annotation)} cannot be evaluated: {type(e).__name__}: {e}"
        ) from None


def function_hints(fn: Any) -> dict[str, Any | HintError]:
    """Each parameter's (and "return"'s) resolved annotation, or the HintError it gave."""
    globalns = getattr(fn, "__globals__", {})
    return {name: _try(raw, globalns, {}) for name, raw in inspect.get_annotations(fn).items()}


def class_hints(cls: type) -> dict[str, tuple[type, Any | HintError]]:
    """Annotations of `cls` and its bases (base first, as dataclasses order fields): for each
    name, the class that declared it and its resolved type or HintError."""
    out: dict[str, tuple[type, Any | HintError]] = {}
    for base in reversed(cls.__mro__):
        if base is object:
            continue
        try:
            raw = inspect.get_annotations(base)
        except Exception:  # some C extension types reject it
            continue
        module = sys.modules.get(base.__module__)
        globalns = getattr(module, "__dict__", {})
        localns = dict(vars(base))
        for name, annotation in raw.items():
            # A redefinition keeps the first position, as a dataclass field does.
            out[name] = (base, _try(annotation, globalns, localns))
    return out


def _try(raw: object, globalns: Mapping[str, Any], localns: Mapping[str, Any]) -> Any:
    try:
        return resolve(raw, globalns, localns)
    except HintError as e:
        return e


def _text(annotation: object) -> str:
    if isinstance(annotation, str):
        return f"`{annotation}`"
    if isinstance(annotation, typing.ForwardRef):
        return f"`{annotation.__forward_arg__}`"
    return f"`{annotation!r}`"


_TYPE_CHECKING_CACHE: dict[tuple[str, int], dict[str, Any]] = {}


def type_checking_names(globalns: Mapping[str, Any]) -> dict[str, Any]:
    """What the module's top-level `if TYPE_CHECKING:` imports bind, imported now (cached).

    Only import statements are carried out, through importlib, and simple alias assignments are
    bound to their text (`_bind_alias`); anything else in those blocks is ignored, and an import
    that fails leaves its names undefined.
    """
    file, name = globalns.get("__file__"), globalns.get("__name__")
    if not isinstance(file, str) or not isinstance(name, str):
        return {}
    try:
        key = (file, os.stat(file).st_mtime_ns)  # a reloaded module may have changed
    except OSError:
        return {}
    cached = _TYPE_CHECKING_CACHE.get(key)
    if cached is not None:
        return cached
    names: dict[str, Any] = {}
    _TYPE_CHECKING_CACHE[key] = names
    try:
        with open(file, encoding="utf-8") as f:
            source = f.read()
        tree = ast.parse(source, file)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return names
    package = globalns.get("__package__") or name.rpartition(".")[0]
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and _is_type_checking(stmt.test):
            for sub in stmt.body:
                if isinstance(sub, ast.Import | ast.ImportFrom):
                    _bind_import(sub, str(package), names)
                else:
                    _bind_alias(sub, source, names)
    return names


def _bind_alias(stmt: ast.stmt, source: str, out: dict[str, Any]) -> None:
    """`Alias: TypeAlias = float | str` (or `Alias = ...`) under TYPE_CHECKING binds the alias to
    its text, which typing then reads as a forward reference: the expression is evaluated only
    as an annotation would be, when a hint names the alias."""
    target: ast.expr
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    else:
        return
    text = ast.get_source_segment(source, value)
    if isinstance(target, ast.Name) and text is not None:
        out[target.id] = " ".join(text.split())  # a multi-line expression on one line


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _bind_import(stmt: ast.Import | ast.ImportFrom, package: str, out: dict[str, Any]) -> None:
    try:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                module = importlib.import_module(alias.name)
                if alias.asname:
                    out[alias.asname] = module
                else:
                    top = alias.name.split(".")[0]
                    out[top] = sys.modules[top]
            return
        base = "." * stmt.level + (stmt.module or "")
        module = importlib.import_module(base, package or None)
        for alias in stmt.names:
            if alias.name == "*":
                continue
            if hasattr(module, alias.name):
                value = getattr(module, alias.name)
            else:
                value = importlib.import_module(f"{module.__name__}.{alias.name}")
            out[alias.asname or alias.name] = value
    except Exception:  # an import a type checker needs but the runtime cannot do
        return


def is_classvar(hint: Any) -> bool:
    return hint is typing.ClassVar or typing.get_origin(hint) is typing.ClassVar
