"""Hand-built UGM modules for the devserver tests (independent of the exporter)."""

from __future__ import annotations

from graftcode_runtime import ugm

INT = ugm.Primitive("int")
FLOAT = ugm.Primitive("float")
STR = ugm.Primitive("str")


def calculator(version: str = "1.0.0", *, extra: bool = False) -> ugm.Module:
    methods = [
        ugm.Method("add", (ugm.Param("a", INT), ugm.Param("b", INT)), INT, doc="Add two integers."),
        ugm.Method(
            "divide",
            (ugm.Param("a", FLOAT), ugm.Param("b", FLOAT)),
            FLOAT,
            raises=("DivisionByZero",),
            doc="Divide `a` by `b`.",
        ),
        ugm.Method(
            "total",
            (
                ugm.Param("values", ugm.ListOf(FLOAT)),
                ugm.Param("start", FLOAT, ugm.FloatLit(0.0), kind="keyword"),
            ),
            FLOAT,
            doc="Sum a list of numbers.",
        ),
        ugm.Method(
            "old_add",
            (ugm.Param("a", INT), ugm.Param("b", INT)),
            INT,
            annotations=(ugm.Annotation("deprecated", (ugm.StrLit("use add"),)),),
        ),
    ]
    if extra:
        methods.append(
            ugm.Method("power", (ugm.Param("a", INT), ugm.Param("b", INT)), INT, doc="a ** b")
        )
    return ugm.Module(
        "calculator",
        version,
        (
            ugm.Error(
                "DivisionByZero",
                (ugm.Field("dividend", FLOAT),),
                doc="Raised when dividing by zero.",
            ),
            ugm.Enum(
                "Mode", (ugm.EnumMember("EXACT", 1), ugm.EnumMember("FAST", 2)), doc="How to round."
            ),
            ugm.Record(
                "Result",
                (
                    ugm.Field("value", FLOAT),
                    ugm.Field("mode", ugm.Named("Mode"), ugm.EnumLit("Mode", "EXACT")),
                ),
                doc='A result <with> markup & quotes "here".',
            ),
            ugm.Service("calculator", tuple(methods), doc="The module's functions."),
            ugm.Class(
                "Accumulator",
                ugm.Constructor((ugm.Param("start", FLOAT, ugm.FloatLit(0.0)),)),
                (
                    ugm.Method("add", (ugm.Param("amount", FLOAT),), FLOAT, doc="Add `amount`."),
                    ugm.Method("describe", (), STR, static=True, doc="What this class does."),
                ),
                (
                    ugm.Property("value", FLOAT, doc="The current value."),
                    ugm.Property("label", STR, readonly=False),
                ),
                doc="A running total that lives in the gateway.",
            ),
        ),
        doc="A calculator.",
    )
