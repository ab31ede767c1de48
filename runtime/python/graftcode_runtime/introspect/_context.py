"""State shared by the builders of one export: problems found, sources, and type naming."""

from __future__ import annotations

from collections.abc import Callable

from ._problems import Problem
from ._source import Location, SourceIndex
from ._types import NamedResolver


class Context:
    def __init__(
        self,
        skip_unsupported: bool,
        named: NamedResolver,
        enum_name: Callable[[type], str | None],
        error_name: Callable[[type], str | None],
    ) -> None:
        self.source = SourceIndex()
        self.skip_unsupported = skip_unsupported
        self.named = named
        self.enum_name = enum_name
        self.error_name = error_name
        self.problems: list[Problem] = []  # errors, or warnings under skip_unsupported
        self.notes: list[Problem] = []  # always warnings: nothing callable was lost

    def problem(self, member: str, message: str, where: Location) -> None:
        self.problems.append(Problem(member, message, where.file, where.line, where.column))

    def note(self, member: str, message: str, where: Location) -> None:
        self.notes.append(Problem(member, message, where.file, where.line, where.column))
