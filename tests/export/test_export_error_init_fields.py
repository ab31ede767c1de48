"""Exception fields set only in `__init__` (`self.reason = reason`, no class-level annotation).

They are carried over as error fields when their type is known (the `__init__` parameter's
annotation, or `self.x: T = ...`); otherwise the export warns, naming each attribute left out and
how to declare it.
"""

from __future__ import annotations

from export_support import MakeModule
from graftc.idl import parse, print_module
from graftcode_runtime import ugm
from graftcode_runtime.introspect import Export, export_module
from graftcode_runtime.values import ValueCodec

HEADER = "from __future__ import annotations\n__version__ = '1.0.0'\n"

RAISES = "def f() -> None:\n    '''F.\n\n    Raises:\n        {name}: always.\n    '''\n"


def export(make_module: MakeModule, source: str, raised: str) -> Export:
    result = export_module(make_module(HEADER + source + RAISES.format(name=raised)))
    assert parse(print_module(result.module)) == result.module
    return result


def error(result: Export, name: str) -> ugm.Error:
    found = result.module.find(name)
    assert isinstance(found, ugm.Error), f"{name} not exported as an error"
    return found


def test_a_parameter_assigned_in_init_is_a_field_typed_by_its_annotation(
    make_module: MakeModule,
) -> None:
    result = export(
        make_module,
        """
class Refused(Exception):
    def __init__(self, reason: str, code: int = 0, *, retry: bool | None = None) -> None:
        super().__init__(f"refused: {reason}")
        self.reason = reason
        self.code = code
        self.retry = retry
""",
        "Refused",
    )
    refused = error(result, "Refused")
    assert [(f.name, f.type, f.default) for f in refused.fields] == [
        ("reason", ugm.Primitive("str"), None),
        ("code", ugm.Primitive("int"), ugm.IntLit(0)),
        ("retry", ugm.Optional(ugm.Primitive("bool")), ugm.NoneLit()),
    ]
    assert "error Refused {\n    reason: str;\n    code: int = 0;" in print_module(result.module)
    assert result.warnings == ()
    # The gateway sends the attributes, and a caller's exception is rebuilt from them.
    cls = result.objects["Refused"]
    assert isinstance(cls, type)
    codec = ValueCodec(result.module, {"Refused": cls})
    wire = codec.error_to_wire(cls("closed", 3))
    assert wire == ("Refused", {"reason": "closed", "code": 3, "retry": None})
    back = codec.error_from_wire(*wire)
    assert isinstance(back, cls) and (back.reason, back.code) == ("closed", 3)  # type: ignore[attr-defined]


def test_an_attribute_annotated_in_init_is_a_field(make_module: MakeModule) -> None:
    result = export(
        make_module,
        """
class Busy(Exception):
    def __init__(self, seconds: float) -> None:
        self.retry_after: float = seconds * 2
        self.hint: str | None = None
""",
        "Busy",
    )
    busy = error(result, "Busy")
    assert [(f.name, f.type) for f in busy.fields] == [
        ("retry_after", ugm.Primitive("float")),
        ("hint", ugm.Optional(ugm.Primitive("str"))),
    ]
    assert result.warnings == ()


def test_attributes_whose_type_is_unknown_are_named_in_a_warning(make_module: MakeModule) -> None:
    result = export(
        make_module,
        """
class Rejected(Exception):
    def __init__(self, who: str, why, extra: str = "") -> None:
        self.who = who
        self.why = why
        self.detail = describe(who)
        if extra:
            self.extra = extra
        self._cache = {}
""",
        "Rejected",
    )
    rejected = error(result, "Rejected")
    # The typed one is carried; the others are left out, and the export still succeeds.
    assert [f.name for f in rejected.fields] == ["who"]
    (warning,) = result.warnings
    assert warning.member == "Rejected"
    assert warning.line == 7  # the first attribute left out: `self.why = why`
    message = warning.message
    for name in ("`why`", "`detail`", "`extra`"):
        assert name in message
    assert "_cache" not in message  # private attributes are not part of the error
    assert "the parameter `why` has no annotation" in message
    assert "only on some paths" in message
    assert "needs a class-level default" in message
    assert "Declare each one at class level with its type (e.g. `why: str`" in message


def test_attributes_assigned_a_literal_are_typed_by_it(make_module: MakeModule) -> None:
    result = export(
        make_module,
        """
class Throttled(Exception):
    def __init__(self, who: str) -> None:
        self.detail = f"{who} is throttled"
        self.retryable = True
        self.status = 429
        self.wait = 1.5
        self.note = None
""",
        "Throttled",
    )
    fields = error(result, "Throttled").fields
    assert [(f.name, f.type) for f in fields] == [
        ("detail", ugm.Primitive("str")),
        ("retryable", ugm.Primitive("bool")),
        ("status", ugm.Primitive("int")),
        ("wait", ugm.Primitive("float")),
    ]
    (warning,) = result.warnings  # `None` says nothing about what `note` will hold later
    assert "`note` (it is assigned a computed value" in warning.message


def test_an_untyped_attribute_from_a_type_the_idl_lacks_says_why(make_module: MakeModule) -> None:
    result = export(
        make_module,
        """
from collections.abc import Callable
class Failed(Exception):
    def __init__(self, retry: Callable[[], None], count: int) -> None:
        self.retry = retry
        self.count = count
""",
        "Failed",
    )
    assert [f.name for f in error(result, "Failed").fields] == ["count"]
    (warning,) = result.warnings
    assert "`retry`" in warning.message and "functions cannot be sent" in warning.message


def test_class_level_fields_and_inherited_ones_are_not_repeated(make_module: MakeModule) -> None:
    result = export(
        make_module,
        """
class AppError(Exception):
    def __init__(self, detail: str) -> None:
        self.detail = detail
class NotFound(AppError):
    key: str
    def __init__(self, key: str, detail: str = "not found") -> None:
        super().__init__(detail)
        self.key = key
        self.detail = detail
        self.tries = len(key)
""",
        "NotFound",
    )
    assert [f.name for f in error(result, "AppError").fields] == ["detail"]
    not_found = error(result, "NotFound")
    assert not_found.base == "AppError"
    assert [f.name for f in not_found.fields] == ["key"]
    (warning,) = result.warnings
    assert warning.member == "NotFound" and "`tries`" in warning.message
    assert "`key`" not in warning.message and "`detail`" not in warning.message


def test_a_private_base_init_is_inlined(make_module: MakeModule) -> None:
    result = export(
        make_module,
        """
class _Base(Exception):
    def __init__(self, code: int) -> None:
        self.code = code
class Oops(_Base):
    pass
""",
        "Oops",
    )
    oops = error(result, "Oops")
    assert oops.base is None
    assert [f.name for f in oops.fields] == ["code"]


def test_unpacking_pairs_up_and_assignments_through_the_class_are_not_fields(
    make_module: MakeModule,
) -> None:
    result = export(
        make_module,
        """
class Moved(OSError):
    __slots__ = ("target",)
    def __init__(self, source: str, target: str, code: int) -> None:
        self.source, self.target = source, target
        self.errno = code
        self.args = (source, target)
        self.shown = source
    @property
    def shown(self) -> str:
        return self.source
    @shown.setter
    def shown(self, value: str) -> None:
        pass
""",
        "Moved",
    )
    # `errno` and `args` belong to OSError, `shown` is a property: none is a new attribute.
    assert [f.name for f in error(result, "Moved").fields] == ["source", "target"]
    assert result.warnings == ()
