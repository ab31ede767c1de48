"""The export rules, one small in-code module at a time."""

from __future__ import annotations

import pytest
from export_support import MakeModule
from graftcode_runtime import ugm
from graftcode_runtime.introspect import Export, ExportError, export_module
from graftcode_runtime.introspect._docstrings import raised_names
from graftcode_runtime.introspect._version import to_semver

P = ugm.Primitive


def export(make_module: MakeModule, source: str, **options: object) -> Export:
    return export_module(make_module(source), **options)  # type: ignore[arg-type]


def problems(make_module: MakeModule, source: str, **options: object) -> list[str]:
    with pytest.raises(ExportError) as caught:
        export(make_module, source, **options)
    return [f"{p.member}: {p.message}" for p in caught.value.problems]


def decl(result: Export, name: str) -> ugm.Decl:
    found = result.module.find(name)
    assert found is not None, f"{name} not exported"
    return found


def method(result: Export, owner: str, name: str) -> ugm.Method:
    d = decl(result, owner)
    assert isinstance(d, ugm.Service | ugm.Class)
    return next(m for m in d.methods if m.name == name)


HEADER = "from __future__ import annotations\n__version__ = '1.0.0'\n"


# ------------------------------------------------------------------------------ surface


def test_without_all_only_own_public_functions_and_classes(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
from os.path import join
from dataclasses import dataclass
LIMIT = 3
def f() -> int: return 1
def _g() -> int: return 1
class _Hidden: pass
""",
    )
    assert [d.name for d in result.module.decls] == [result.module.name.rsplit(".")[-1]]
    service = result.module.decls[0]
    assert isinstance(service, ugm.Service)
    assert [m.name for m in service.methods] == ["f"]


def test_all_lists_exactly_the_surface(make_module: MakeModule) -> None:
    helper = make_module("def shared(x: int) -> int:\n    return x\n")
    result = export(
        make_module,
        HEADER
        + f"""
from {helper.__name__} import shared
__all__ = ["shared", "f", "_g"]
def f() -> int: return 1
def g() -> int: return 1
def _g() -> int: return 1
""",
    )
    service = result.module.decls[0]
    assert isinstance(service, ugm.Service)
    # Listed names only: the imported `shared` is in, `g` is not, and private `_g` is a warning.
    assert [m.name for m in service.methods] == ["f", "shared"]
    assert [w.member for w in result.warnings] == ["_g"]


def test_all_naming_a_missing_name(make_module: MakeModule) -> None:
    found = problems(make_module, HEADER + "__all__ = ['nope']\n")
    assert found == ["nope: `__all__` lists `nope`, which the module does not define"]


def test_names_in_all_that_are_values_are_warnings(make_module: MakeModule) -> None:
    result = export(
        make_module, HEADER + "__all__ = ['LIMIT', 'f']\nLIMIT = 3\ndef f() -> None: ...\n"
    )
    assert [w.member for w in result.warnings] == ["LIMIT"]
    assert "no constants" in result.warnings[0].message


def test_filters_select_types_and_methods(make_module: MakeModule) -> None:
    source = (
        HEADER
        + """
from dataclasses import dataclass
@dataclass
class Item:
    name: str
class Box:
    def get_item(self) -> Item: ...
    def put_item(self, item: Item) -> None: ...
class Other:
    def get_x(self) -> int: ...
def get_thing() -> int: ...
def set_thing(x: int) -> None: ...
"""
    )
    result = export(make_module, source, methods=["*.get_*"])
    names = [d.name for d in result.module.decls]
    assert names[0] == "Item" and "Box" in names and "Other" in names
    assert [m.name for m in method_owner(result, "Box").methods] == ["get_item"]
    result = export(make_module, source, types=["Box"])
    assert [d.name for d in result.module.decls] == ["Item", "Box"]
    assert problems(make_module, source, types=["Nothing*"]) == [
        "Nothing*: the pattern 'Nothing*' matches nothing"
    ]


def method_owner(result: Export, name: str) -> ugm.Class:
    d = decl(result, name)
    assert isinstance(d, ugm.Class)
    return d


# ------------------------------------------------------------------------------ versions


def test_version_sources(make_module: MakeModule) -> None:
    source = "def f() -> None: ...\n"
    assert export(make_module, source, version="2.0.0").module.version == "2.0.0"
    found = problems(make_module, source)
    assert len(found) == 1 and "--version" in found[0] and "__version__" in found[0]
    result = export(make_module, "__version__ = '1.4'\n" + source)
    assert result.module.version == "1.4.0"
    assert "written as the semantic version" in result.warnings[0].message
    assert "not a version string" in problems(make_module, "__version__ = (1, 0)\n" + source)[0]


@pytest.mark.parametrize(
    ("pep440", "semver"),
    [
        ("1.2.3", "1.2.3"),
        ("1.2", "1.2.0"),
        ("2.0rc1", "2.0.0-rc.1"),
        ("1.0b2", "1.0.0-beta.2"),
        ("1.0.dev3", "1.0.0-dev.3"),
        ("1.0.post2", "1.0.0+post.2"),
        ("1.0+ubuntu.1", "1.0.0+ubuntu.1"),
        ("1.2.3-alpha.1", "1.2.3-alpha.1"),
        ("1!2.0", None),
        ("1.2.3.4", None),
    ],
)
def test_pep440_to_semver(pep440: str, semver: str | None) -> None:
    assert to_semver(pep440) == semver


# ------------------------------------------------------------------------------ types and defaults


def test_literal_defaults_of_every_kind(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
import datetime, decimal, enum, uuid
class Color(enum.Enum):
    RED = "red"
def f(
    a: float = 1,
    b: decimal.Decimal = decimal.Decimal("1.50"),
    c: datetime.date = datetime.date(2024, 2, 29),
    d: datetime.datetime = datetime.datetime(2024, 1, 1, 12, 30),
    e: uuid.UUID = uuid.UUID("12345678-1234-5678-1234-567812345678"),
    g: tuple[int, ...] = (1, 2),
    h: dict[str, list[Color]] = {"x": [Color.RED]},
    i: bytes = b"\\x00",
    j: str | None = "s",
    k: int = True and 3,
) -> None: ...
""",
    )
    params = {p.name: p.default for p in method(result, result.module.decls[-1].name, "f").params}
    assert params == {
        "a": ugm.FloatLit(1.0),
        "b": ugm.StrLit("1.50"),
        "c": ugm.StrLit("2024-02-29"),
        "d": ugm.StrLit("2024-01-01T12:30:00"),
        "e": ugm.StrLit("12345678-1234-5678-1234-567812345678"),
        "g": ugm.ListLit((ugm.IntLit(1), ugm.IntLit(2))),
        "h": ugm.MapLit(((ugm.StrLit("x"), ugm.ListLit((ugm.EnumLit("Color", "RED"),))),)),
        "i": ugm.BytesLit(b"\x00"),
        "j": ugm.StrLit("s"),
        "k": ugm.IntLit(3),
    }


def test_bad_defaults(make_module: MakeModule) -> None:
    found = problems(
        make_module,
        HEADER + "def f(a: int = 2**70, b: str = 3, c: bool = 1) -> None: ...\n",
    )
    assert len(found) == 3
    assert "64 bits" in found[0]
    assert "is not of type str" in found[1]
    assert "is not of type bool" in found[2]


def test_type_checking_imports_resolve(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable
def f(when: dt.date, tags: Iterable[str]) -> list[dt.datetime]: ...
""",
    )
    params = method(result, result.module.decls[0].name, "f").params
    # A parameter typed Iterable[T] receives a list: it is sound as list<T>.
    assert [p.type for p in params] == [P("date"), ugm.ListOf(P("str"))]
    # As a return type, Iterable[T] is a stream of T (docs/type-mapping.md, "Streams").
    result = export(
        make_module,
        HEADER + "from collections.abc import Iterable\ndef g() -> Iterable[int]: ...\n",
    )
    assert method(result, result.module.decls[0].name, "g").returns == ugm.StreamOf(P("int"))


def test_type_aliases_declared_under_type_checking_resolve(make_module: MakeModule) -> None:
    # humanize's layout: `TYPE_CHECKING = False`, then an alias only a type checker sees.
    result = export(
        make_module,
        HEADER
        + """
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias
    Count: TypeAlias = "list[int]"
    Broken: TypeAlias = undefined_name
def f(value: Count) -> int: ...
""",
    )
    params = method(result, result.module.decls[0].name, "f").params
    assert [p.type for p in params] == [ugm.ListOf(P("int"))]


def test_optional_parameters_no_process_can_send_are_left_out_with_a_warning(
    make_module: MakeModule,
) -> None:
    # email-validator's `dns_resolver: object = None`, a `key=` hook: callers elsewhere could
    # never pass one, so the function is exported without them and runs with the defaults.
    result = export(
        make_module,
        HEADER
        + """
from collections.abc import Callable
from typing import Any, Optional
def f(text: str, resolver: Optional[object] = None, *, key: Callable[[str], str] | None = None,
      extra: Any = 0) -> str: ...
""",
    )
    assert [p.name for p in method(result, result.module.decls[0].name, "f").params] == ["text"]
    notes = [w.message for w in result.warnings]
    assert len(notes) == 3
    assert notes[0].startswith("parameter `resolver` (`Optional[object]`) takes a live object")
    assert notes[0].endswith("so calls run with its default (None)")
    # Without a default the caller would have to send one: still refused.
    found = problems(
        make_module,
        HEADER
        + "from collections.abc import Callable\ndef g(key: Callable[[], int]) -> int: ...\n",
    )
    assert "functions cannot be sent" in found[0]


def test_newtype_annotated_and_self(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
from typing import Annotated, NewType, Self, TypeVar
Id = NewType("Id", int)
N = TypeVar("N", bound="Node")
class Node:
    def clone(self, depth: Annotated[int, "levels"] = 1) -> Self: ...
    def ident(self) -> Id: ...
    @classmethod
    def parse(cls: type[N], text: str) -> N: ...
""",
    )
    node = method_owner(result, "Node")
    assert node.methods[0].returns == ugm.Named("Node")
    # A type variable bound to the class, in a classmethod, is `Self` by another name.
    assert node.methods[2].returns == ugm.Named("Node")
    assert node.methods[0].params[0].type == P("int")
    assert node.methods[1].returns == P("int")


# ------------------------------------------------------------------------------ records


def test_namedtuple_typeddict_and_attrs_records(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
from typing import NamedTuple, TypedDict
import attrs
class Point(NamedTuple):
    x: float
    y: float = 0.0
class Movie(TypedDict):
    title: str
    year: int
@attrs.define
class Tag:
    label: str
    weight: int = 1
    aliases: list[str] = attrs.Factory(list)
def f(p: Point, m: Movie, t: Tag) -> None: ...
""",
    )
    point, movie, tag = (decl(result, n) for n in ("Point", "Movie", "Tag"))
    assert isinstance(point, ugm.Record) and isinstance(movie, ugm.Record)
    assert isinstance(tag, ugm.Record)
    assert point.fields == (
        ugm.Field("x", P("float")),
        ugm.Field("y", P("float"), ugm.FloatLit(0.0)),
    )
    assert [f.name for f in movie.fields] == ["title", "year"]
    assert tag.fields[2] == ugm.Field("aliases", ugm.ListOf(P("str")), ugm.ListLit(()))


def test_record_fields_cannot_hold_class_instances(make_module: MakeModule) -> None:
    found = problems(
        make_module,
        HEADER
        + """
from dataclasses import dataclass
class Conn:
    def close(self) -> None: ...
@dataclass
class Holder:
    conn: Conn
""",
    )
    assert found == [
        "Holder.conn: field `conn`: `Conn` is a class whose instances live in the gateway, "
        "while records and errors are plain values; pass or return the instance directly, or "
        "hold a record"
    ]


def test_foreign_records_are_pulled_in_and_named_by_class(make_module: MakeModule) -> None:
    other = make_module(
        "from dataclasses import dataclass\n@dataclass\nclass Item:\n    name: str\n"
    )
    result = export(
        make_module,
        HEADER + f"from {other.__name__} import Item\ndef get() -> Item: ...\n",
    )
    assert [d.name for d in result.module.decls][1] == "Item"
    assert result.objects["Item"] is other.Item


def test_two_foreign_types_with_one_name(make_module: MakeModule) -> None:
    a = make_module("import enum\nclass Kind(enum.Enum):\n    A = 1\n")
    b = make_module("import enum\nclass Kind(enum.Enum):\n    B = 2\n")
    found = problems(
        make_module,
        HEADER
        + f"import {a.__name__} as a, {b.__name__} as b\n"
        + "def f(x: a.Kind, y: b.Kind) -> None: ...\n",
    )
    assert len(found) == 1 and "two declarations would be named `Kind`" in found[0]


# ------------------------------------------------------------------------------ errors


def test_error_hierarchy_and_fields(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
class _Base(Exception):
    code: int = 500
class AppError(_Base):
    detail: str
class NotFound(AppError, KeyError):
    key: str
    detail: str
""",
    )
    app, not_found = decl(result, "AppError"), decl(result, "NotFound")
    assert isinstance(app, ugm.Error) and isinstance(not_found, ugm.Error)
    # The private base's fields are inlined; redeclared inherited fields are not repeated.
    assert app.base is None
    assert [f.name for f in app.fields] == ["code", "detail"]
    assert app.fields[0].default == ugm.IntLit(500)
    assert not_found.base == "AppError"
    assert [f.name for f in not_found.fields] == ["key"]


def test_raises_conventions() -> None:
    google = "Do it.\n\nRaises:\n    NotFound: when.\n        More text: not an entry.\n    errors.Bad: x\n"
    assert raised_names(google) == ["NotFound", "errors.Bad"]
    numpy = "Do it.\n\nRaises\n------\nNotFound\n    when.\nBad\n\nReturns\n-------\nint\n"
    assert raised_names(numpy) == ["NotFound", "Bad"]
    assert raised_names(":raises NotFound: when.\n:raise Bad: x") == ["NotFound", "Bad"]


def test_builtin_and_stdlib_exceptions_are_not_declared(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + '''
import json
class Oops(Exception):
    """Mine."""
def f() -> None:
    """Do it.

    Raises:
        ValueError: generic.
        json.JSONDecodeError: generic too.
        Oops: declared.
    """
''',
    )
    assert [d.name for d in result.module.decls if isinstance(d, ugm.Error)] == ["Oops"]
    service = result.module.decls[-1]
    assert isinstance(service, ugm.Service)
    assert service.methods[0].raises == ("Oops",)


# ------------------------------------------------------------------------------ classes


def test_class_members(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
import abc, functools
from typing import ClassVar, Final
class Base:
    def shared(self) -> int: ...
class Thing(Base):
    kind: ClassVar[str] = "thing"
    ident: Final[int]
    size: int
    def __init__(self, size: int) -> None:
        self.size = size
        self.label: str = ""
        self._secret: int = 0
    @functools.cached_property
    def area(self) -> float: ...
    async def grow(self, by: int = 1) -> int: ...
    @staticmethod
    def unit() -> "Thing": ...
class Shape(abc.ABC):
    @abc.abstractmethod
    def area(self) -> float: ...
""",
    )
    thing = method_owner(result, "Thing")
    assert thing.constructor == ugm.Constructor((ugm.Param("size", P("int")),))
    assert [(m.name, m.static) for m in thing.methods] == [
        ("grow", False),
        ("unit", True),
        ("shared", False),
    ]
    assert [(p.name, p.readonly) for p in thing.properties] == [
        ("ident", True),
        ("size", False),
        ("label", True),  # only `__init__` sets it
        ("area", True),
    ]
    assert method_owner(result, "Shape").constructor is None


def test_deprecated_functions(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + "from typing_extensions import deprecated\n"
        + "@deprecated('use g')\ndef f() -> None: ...\n",
    )
    service = result.module.decls[0]
    assert isinstance(service, ugm.Service)
    assert ugm.deprecation(service.methods[0]) == "use g"


def test_names_the_idl_cannot_spell(make_module: MakeModule) -> None:
    found = problems(
        make_module,
        HEADER + "class date:\n    pass\ndef größe(x: int) -> int: ...\n",
    )
    assert any("reserved word" in p for p in found)
    assert any("`größe` is not an IDL name" in p for p in found)


def test_decorated_functions_keep_their_signature(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
import functools
def _logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper
@_logged
def area(width: float, height: float = 1.0) -> float:
    \"\"\"Width times height.\"\"\"
    return width * height
""",
    )
    m = method(result, result.module.decls[0].name, "area")
    assert [p.name for p in m.params] == ["width", "height"]
    assert m.doc == "Width times height."


def test_a_class_named_like_the_service(make_module: MakeModule) -> None:
    name = "exportcase_clash"
    source = HEADER + f"def f() -> None: ...\nclass {name}:\n    pass\n"
    with pytest.raises(ExportError) as caught:
        export_module(make_module(source, name=name))
    found = [p.message for p in caught.value.problems]
    assert len(found) == 1 and "two declarations would be named" in found[0]


def test_dataclass_initvar_without_default(make_module: MakeModule) -> None:
    found = problems(
        make_module,
        HEADER
        + """
from dataclasses import InitVar, dataclass
@dataclass
class Secret:
    name: str
    seed: InitVar[int]
    level: InitVar[int] = 0
""",
    )
    assert len(found) == 1 and found[0].startswith("Secret.seed: field `seed` cannot be exported")


def test_cached_functions_are_functions(make_module: MakeModule) -> None:
    result = export(
        make_module,
        HEADER
        + """
import functools
@functools.lru_cache(maxsize=64)
def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)
class Table:
    @functools.cache
    def lookup(self, key: str) -> int:
        return 0
""",
    )
    assert method(result, result.module.decls[0].name, "fib").returns == P("int")
    assert method(result, "Table", "lookup").params == (ugm.Param("key", P("str")),)


# ------------------------------------------------------------------------------ review fixes


def test_problems_point_at_the_name_even_when_it_hides_in_the_keyword(
    make_module: MakeModule,
) -> None:
    """`f` and `e` occur inside `def`, `s` and `c` inside `class`: the caret goes to the name."""
    with pytest.raises(ExportError) as caught:
        export(
            make_module,
            "__version__ = '1.0.0'\n"
            "def e(): return 1\n"
            "async def f(): return 1\n"
            "def d() -> int:\n"
            "    yield 1\n",
        )
    where = {p.member.rsplit(".", 1)[-1]: (p.line, p.column) for p in caught.value.problems}
    assert (where["e"], where["f"], where["d"]) == ((2, 5), (3, 11), (4, 5))


def test_a_default_with_a_lone_surrogate_is_refused(make_module: MakeModule) -> None:
    found = problems(make_module, HEADER + 'def f(x: str = "\\ud800") -> str: return x\n')
    assert len(found) == 1 and "lone UTF-16 surrogate" in found[0]


def test_user_code_failing_while_the_surface_is_read_is_a_positioned_problem(
    make_module: MakeModule,
) -> None:
    """A module `__getattr__` or a metaclass runs while names are read: its exceptions are the
    module's problems (with its line), not an internal error of graftc."""
    module = make_module(
        "__version__ = '1.0.0'\n"
        "def __getattr__(name):\n"
        "    raise RuntimeError('lazy ' + name)\n"
        "def f() -> int: return 1\n"
    )
    with pytest.raises(ExportError) as caught:
        export_module(module)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (3, 5)
    assert "the module's own code raised RuntimeError: lazy __all__" in problem.message


def test_an_exporter_bug_is_not_blamed_on_the_module(
    make_module: MakeModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graftcode_runtime.introspect import _exporter

    # A function whose code lives in the exporter's file, as a bug there would.
    space: dict[str, object] = {}
    exec(
        compile(
            "def run(self, version):\n    raise RuntimeError('bug')\n", _exporter.__file__, "exec"
        ),
        space,
    )
    monkeypatch.setattr(_exporter._Exporter, "run", space["run"])
    with pytest.raises(RuntimeError, match="bug"):
        export_module(make_module("def f() -> int: return 1\n"))


def test_bare_generic_aliases_are_problems_not_crashes(make_module: MakeModule) -> None:
    """`typing.List` and `typing.Callable` without arguments (seen in lark and Pyro5)."""
    found = problems(
        make_module,
        HEADER
        + "import typing\nfrom collections.abc import Callable\n"
        + "def a(x: typing.List) -> int: return 1\n"
        + "def b(x: typing.Dict) -> int: return 1\n"
        + "def c(x: Callable) -> int: return 1\n"
        + "def d(x: typing.Callable) -> int: return 1\n",
    )
    assert len(found) == 4
    assert "needs an item type" in found[0] and "needs key and value types" in found[1]
    assert all("functions cannot be sent" in f for f in found[2:])


def test_an_error_with_a_mixin_extends_the_next_error_and_inlines_the_mixin(
    make_module: MakeModule,
) -> None:
    """pydantic's errors derive from a non-exception mixin first; the base must be an error."""
    result = export(
        make_module,
        HEADER
        + "class Mixin:\n    code: str\n"
        + "class BaseErr(Exception):\n    pass\n"
        + "class Oops(Mixin, BaseErr):\n    pass\n"
        + "def f() -> int:\n"
        + "    '''F.\n\n    Raises:\n        Oops: always\n    '''\n    return 1\n",
    )
    oops = decl(result, "Oops")
    assert isinstance(oops, ugm.Error)
    assert oops.base == "BaseErr"
    assert [f.name for f in oops.fields] == ["code"]


def test_a_class_named_like_the_service_is_blamed_wherever_it_is(make_module: MakeModule) -> None:
    """Declared before the functions, the class was still what to rename, not the function."""
    name = "exportcase_clash_first"
    source = HEADER + f"class {name}:\n    pass\ndef f() -> None: ...\n"
    with pytest.raises(ExportError) as caught:
        export_module(make_module(source, name=name))
    (problem,) = caught.value.problems
    assert (problem.member, problem.line, problem.column) == (name, 3, 7)
