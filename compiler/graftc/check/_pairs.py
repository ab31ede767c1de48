"""The levels a rule runs at: each is one thing paired with itself in the old and the new module.

The walker (`_walk.py`) builds the pairs in a fixed order and hands each to the rules of its
level. In an `Inner` pair, `old` or `new` is None where the thing is absent from that version
(added or removed); a type, default or version pair exists only for a change. Every pair knows
its parent pair, because messages name the owner and a removal is located at the new parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from graftcode_runtime import ugm

from graftc.check._model import BOTH, SOURCE, WIRE, Bump, Category, SemverVerdict
from graftc.check._text import decl_kind
from graftc.check._types import Assignability, Flow

T = TypeVar("T")


class Pair:
    """The base of every level."""


@dataclass(frozen=True, eq=False)
class ModulePair(Pair):
    """The two modules. One is None for a file deleted or created since the ref (`--against`)."""

    old: ugm.Module | None
    new: ugm.Module | None
    old_file: str = ""
    new_file: str = ""


@dataclass(frozen=True, eq=False)
class VersionPair(Pair):
    """The two version numbers, once the findings they must account for are known."""

    old: ugm.Module
    new: ugm.Module
    need: Bump  # the smallest bump the kept findings need
    verdict: SemverVerdict


@dataclass(frozen=True, eq=False)
class Inner(Pair, Generic[T]):
    old: T | None
    new: T | None
    parent: Pair

    @property
    def removed(self) -> bool:
        return self.old is not None and self.new is None

    @property
    def added(self) -> bool:
        return self.old is None and self.new is not None

    @property
    def module(self) -> ModulePair:
        p = self.parent
        while isinstance(p, Inner):
            p = p.parent
        assert isinstance(p, ModulePair)
        return p


@dataclass(frozen=True, eq=False)
class Element(Inner[T]):
    """A named thing that can be deprecated, removed and added: a declaration or a member."""

    parent: ModulePair | DeclPair

    @property
    def name(self) -> str:
        return str(getattr(self.old if self.old is not None else self.new, "name", ""))

    @property
    def path(self) -> str:
        raise NotImplementedError

    @property
    def what(self) -> str:
        raise NotImplementedError

    @property
    def removed_what(self) -> str:
        """How a removal names it."""
        return self.what

    @property
    def renamed(self) -> bool:
        """Paired under another name (fields and enum members; see _walk.py)."""
        if self.old is None or self.new is None:
            return False
        return getattr(self.old, "name", None) != getattr(self.new, "name", None)

    @property
    def kept(self) -> bool:
        """The same thing is in both versions (not added, removed, renamed or re-kinded)."""
        return self.old is not None and self.new is not None and not self.renamed

    @property
    def new_parent(self) -> object:
        return self.parent.new

    @property
    def container_deprecated(self) -> bool:
        """A released version deprecated what contains it, which counts for everything inside."""
        return ugm.deprecation(self.parent.old) is not None

    @property
    def removal_breaks(self) -> frozenset[Category]:
        """What removing it breaks; the removal rule of its level and DEPRECATED_REMOVED agree."""
        return BOTH


@dataclass(frozen=True, eq=False)
class DeclPair(Element[ugm.Decl]):
    parent: ModulePair

    @property
    def path(self) -> str:
        return self.name

    @property
    def kind(self) -> str:
        node = self.old if self.old is not None else self.new
        assert node is not None
        return decl_kind(node)

    @property
    def what(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def kept(self) -> bool:
        return self.old is not None and type(self.old) is type(self.new)

    @property
    def removal_breaks(self) -> frozenset[Category]:
        # Types are only used through members, and each such use is reported where it is; a
        # service or class is called by name.
        return BOTH if isinstance(self.old, (ugm.Service, ugm.Class)) else frozenset({SOURCE})


@dataclass(frozen=True, eq=False)
class Member(Element[T]):
    parent: DeclPair

    @property
    def path(self) -> str:
        return f"{self.parent.name}.{self.name}"


@dataclass(frozen=True, eq=False)
class FieldPair(Member[ugm.Field]):
    """A field of a record or error. Renamed: same position and type, old name gone."""

    flow: Flow  # the directions the record travels in

    @property
    def what(self) -> str:
        return f'field "{self.name}" of {self.parent.what}'

    @property
    def sent(self) -> bool:
        return bool(self.flow & Flow.IN)

    @property
    def removal_breaks(self) -> frozenset[Category]:
        # Receivers ignore unknown fields, so only a reader that needs the field breaks.
        needed = self.flow & Flow.OUT and self.old is not None and self.old.default is None
        return frozenset({SOURCE, WIRE}) if needed else frozenset({SOURCE})


@dataclass(frozen=True, eq=False)
class FieldListPair(Pair):
    """All the fields of a kept record or error, for what only their order shows."""

    old: tuple[ugm.Field, ...]
    new: tuple[ugm.Field, ...]
    parent: DeclPair


@dataclass(frozen=True, eq=False)
class EnumMemberPair(Member[ugm.EnumMember]):
    """Renamed: the old name is gone and a new name has its value."""

    flow: Flow  # the directions the enum travels in

    @property
    def what(self) -> str:
        return f"member {self.name} of enum {self.parent.name}"

    @property
    def removed_what(self) -> str:
        assert self.old is not None
        return f"{self.what} (value {self.old.value!r})"

    @property
    def removal_breaks(self) -> frozenset[Category]:
        return frozenset({SOURCE, WIRE}) if self.flow & Flow.IN else frozenset({SOURCE})


@dataclass(frozen=True, eq=False)
class MethodPair(Member[ugm.Method]):
    @property
    def what(self) -> str:
        return f"method {self.path}"


@dataclass(frozen=True, eq=False)
class ConstructorPair(Member[ugm.Constructor]):
    @property
    def name(self) -> str:
        return "constructor"

    @property
    def what(self) -> str:
        return f"the constructor of class {self.parent.name}"


@dataclass(frozen=True, eq=False)
class PropertyPair(Member[ugm.Property]):
    @property
    def what(self) -> str:
        return f"property {self.path}"


@dataclass(frozen=True, eq=False)
class SetterPair(Inner[ugm.Property]):
    """A kept property's setter: the property on the sides where it is `mut`."""

    parent: PropertyPair


@dataclass(frozen=True, eq=False)
class RaisesPair(Inner[str]):
    """An error name in a method's or constructor's `raises`."""

    parent: MethodPair | ConstructorPair


@dataclass(frozen=True, eq=False)
class ParamPair(Inner[ugm.Param]):
    """A parameter, matched by name, or renamed: same position and type, old name gone."""

    parent: MethodPair | ConstructorPair
    old_index: int | None
    new_index: int | None

    @property
    def name(self) -> str:
        node = self.old if self.old is not None else self.new
        assert node is not None
        return node.name

    @property
    def path(self) -> str:
        return f"{self.parent.path}({self.name})"

    @property
    def renamed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.name != self.new.name

    @property
    def what(self) -> str:
        return f'parameter "{self.name}" of {self.parent.path}'


@dataclass(frozen=True, eq=False)
class TypePair(Pair):
    """A type that changed, and the directions its values travel in."""

    old: ugm.TypeRef
    new: ugm.TypeRef
    parent: FieldPair | MethodPair | PropertyPair | ParamPair
    flow: Flow
    types: Assignability

    @property
    def what(self) -> str:
        return self.parent.what

    def judge(self) -> tuple[bool, bool]:
        """(wire_ok, source_ok)."""
        return self.types.judge(self.old, self.new, self.flow)


class FieldTypePair(TypePair):
    parent: FieldPair


class ReturnTypePair(TypePair):
    parent: MethodPair

    @property
    def what(self) -> str:
        return self.parent.path


class PropertyTypePair(TypePair):
    parent: PropertyPair


class ParamTypePair(TypePair):
    parent: ParamPair


@dataclass(frozen=True, eq=False)
class DefaultPair(Inner[ugm.Value]):
    """A default that changed; None is no default."""

    parent: FieldPair | ParamPair


class FieldDefaultPair(DefaultPair):
    parent: FieldPair


class ParamDefaultPair(DefaultPair):
    parent: ParamPair
