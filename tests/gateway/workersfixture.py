"""Hosted by tests/gateway/test_workers.py: answers say which process served them."""

from __future__ import annotations

import os

__version__ = "1.0.0"


def pid() -> int:
    """The serving process."""
    return os.getpid()


class Tally:
    """State that lives in the process (and on the connection) that created it."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, n: int) -> int:
        self.total += n
        return self.total

    def owner(self) -> int:
        return os.getpid()
