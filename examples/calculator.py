"""A calculator: stateless arithmetic, plus a stateful accumulator callers create remotely."""

from __future__ import annotations

__version__ = "1.0.0"


class DivisionByZero(Exception):
    """Raised when dividing by zero."""

    dividend: float

    def __init__(self, dividend: float) -> None:
        super().__init__(f"cannot divide {dividend} by zero")
        self.dividend = dividend


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def subtract(a: int, b: int) -> int:
    """Subtract `b` from `a`."""
    return a - b


def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


def divide(a: float, b: float) -> float:
    """Divide `a` by `b`.

    Raises:
        DivisionByZero: when `b` is zero.
    """
    if b == 0:
        raise DivisionByZero(a)
    return a / b


def total(values: list[float], *, start: float = 0.0) -> float:
    """Sum a list of numbers, starting from `start`."""
    return start + sum(values)


class Accumulator:
    """A running total that lives in the gateway; each caller gets its own."""

    label: str  # declared in the class body, so callers may set it (`prop mut`)

    def __init__(self, start: float = 0.0) -> None:
        self._value = start
        self.label = "acc"

    def add(self, amount: float) -> float:
        """Add `amount` and return the new value."""
        self._value += amount
        return self._value

    def reset(self) -> None:
        """Set the value back to zero."""
        self._value = 0.0

    @property
    def value(self) -> float:
        """The current value."""
        return self._value

    @staticmethod
    def describe() -> str:
        """What this class does."""
        return "a running total"


if __name__ == "__main__":
    print(add(1, 2))
