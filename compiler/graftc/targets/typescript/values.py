"""Values in TypeScript: defaults in generated code, the default notes in TSDoc and example
arguments in Vision, spelled through the one walk of `common.values`.

Numbers are JavaScript numbers, so an integer default beyond 2**53 - 1 is refused rather than
silently rounded; decimals travel as strings; maps with integer keys are `Map`s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence

from graftcode_runtime import ugm

from graftc.targets.common.values import Spelling, spell
from graftc.targets.typescript import naming

__all__ = ["TsValues", "note", "spell"]

Report = Callable[[object, str], None]


def _ignore(node: object, message: str) -> None:
    return None


class TsValues(Spelling):
    """`error` reports values TypeScript cannot hold, at the literal or else at `owner` (the
    field or parameter); `module` lets Vision's record and instance examples be spelled."""

    def __init__(
        self, error: Report = _ignore, owner: object = None, module: ugm.Module | None = None
    ) -> None:
        self._error = error
        self._owner = owner
        self.module = module

    def _report(self, lit: object, message: str) -> None:
        self._error(lit if getattr(lit, "span", None) else self._owner, message)

    def none(self) -> str:
        return "null"

    def integer(self, v: ugm.IntLit, t: ugm.TypeRef | None) -> str:
        if _is(t, "float"):
            return repr(float(v.value))
        if _is(t, "decimal"):
            return json.dumps(str(v.value))
        if _is(t, "duration"):  # only examples hold one: the IDL has no duration literal
            seconds, micros = divmod(v.value, 1_000_000)
            return f"{{ seconds: {seconds}, microseconds: {micros} }}"
        if abs(v.value) > 2**53 - 1:
            self._report(v, f"the default {v.value} is beyond JavaScript's safe integers")
        return str(v.value)

    def floating(self, v: ugm.FloatLit, t: ugm.TypeRef | None) -> str:
        if not math.isfinite(v.value):
            self._report(v, "a default must be a finite number")
            return "0"
        if _is(t, "decimal"):
            return json.dumps(repr(v.value))
        return repr(v.value)

    def string(self, v: ugm.StrLit, t: ugm.TypeRef | None) -> str:
        return json.dumps(v.value)

    def binary(self, v: ugm.BytesLit) -> str:
        return f"new Uint8Array([{', '.join(str(b) for b in v.value)}])"

    def mapping(self, pairs: Sequence[tuple[str, str]], t: ugm.MapOf | None) -> str:
        if t is not None and _is(t.key, "int"):
            return "new Map<number, any>([" + ", ".join(f"[{k}, {x}]" for k, x in pairs) + "])"
        return super().mapping(pairs, t)

    def composite(self, decl: str, fields: Sequence[tuple[str, str]]) -> str:
        d = self.module.find(decl) if self.module is not None else None
        if isinstance(d, ugm.Class):
            return naming.variable(decl)
        body = ", ".join(f"{naming.camel(k)}: {v}" for k, v in fields)
        return f"{{ {body} }}" if body else "{}"


def _is(t: ugm.TypeRef | None, name: str) -> bool:
    return isinstance(t, ugm.Primitive) and t.name == name


def note(v: ugm.Value) -> str:
    """A default as TSDoc mentions it (never refused: the generated code says the rest)."""
    return spell(v, TsValues())
