"""What goes wrong while exporting: one `Problem` per unsupported construct, all raised together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One construct that cannot be exported.

    `member` names it the way a user finds it (`shop.get_product`, `Cart.add`, `Product.price`);
    `message` says which type or construct, why it is unsupported and how to fix it. `line` and
    `column` are 1-based; 0 means unknown (for example, a function without source).
    """

    member: str
    message: str
    file: str
    line: int
    column: int = 0

    def __str__(self) -> str:
        where = self.file
        if self.line > 0:
            where += f":{self.line}"
            if self.column > 0:
                where += f":{self.column}"
        return f"{where}: {self.member}: {self.message}"


class ExportError(Exception):
    """Raised when a module cannot be loaded or exported; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
