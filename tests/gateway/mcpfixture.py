"""A module served over MCP by tests/gateway/test_mcp.py: a record argument, an enum, a
declared error, bytes, dates, int-keyed maps, unions and a class (whose instance members are
never tools). `RUNS` records every call that reached user code."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field

__version__ = "1.0.0"

RUNS: list[str] = []


class Color(enum.Enum):
    """A shape's colour."""

    RED = "red"
    BLUE = "blue"


@dataclass
class Point:
    """A point on the plane."""

    x: float
    y: float


@dataclass
class Shape:
    """A polygon."""

    name: str
    points: list[Point]
    color: Color = Color.RED
    tags: dict[str, int] = field(default_factory=dict)
    note: str | None = None


class TooFewPoints(Exception):
    """A polygon needs three points."""

    name: str
    points: int

    def __init__(self, name: str, points: int) -> None:
        super().__init__(f"{name} has only {points} points")
        self.name = name
        self.points = points


def area(shape: Shape) -> float:
    """The area of a polygon (shoelace formula).

    Raises TooFewPoints for fewer than three points.
    """
    RUNS.append("area")
    ps = shape.points
    if len(ps) < 3:
        raise TooFewPoints(shape.name, len(ps))
    twice = sum(a.x * b.y - b.x * a.y for a, b in zip(ps, ps[1:] + ps[:1], strict=True))
    return abs(twice) / 2


def reverse_bytes(data: bytes) -> bytes:
    """`data` backwards."""
    RUNS.append("reverse_bytes")
    return data[::-1]


def next_day(day: datetime.date, count: int = 1) -> datetime.date:
    """The day `count` days after `day`."""
    RUNS.append("next_day")
    return day + datetime.timedelta(days=count)


def invert(names: dict[int, str]) -> dict[str, int]:
    """Names to numbers."""
    RUNS.append("invert")
    return {v: k for k, v in names.items()}


def describe(value: int | str) -> str:
    """What kind of value this is."""
    RUNS.append("describe")
    return f"{type(value).__name__} {value}"


class Canvas:
    """A drawing surface: its instance members are never tools."""

    title: str

    def __init__(self, width: int) -> None:
        self.width = width
        self.title = ""

    def draw(self, shape: Shape) -> int:
        RUNS.append("draw")
        return len(shape.points)

    @staticmethod
    def blank(width: int) -> list[int]:
        """A blank row."""
        RUNS.append("blank")
        return [0] * width

    @staticmethod
    def make(width: int) -> Canvas:
        """Not a tool: it returns an instance."""
        return Canvas(width)


def ratio(a: float, b: float) -> float:
    """`a / b`; 0/0 is NaN, which JSON cannot carry."""
    RUNS.append("ratio")
    return float("nan") if a == b == 0 else a / b


async def double_later(n: int) -> int:
    """`2 * n`, computed on the asyncio loop."""
    RUNS.append("double_later")
    return 2 * n
