"""Hosted by every gateway of tests/deploy: answers say which gateway (process) ran them."""

from __future__ import annotations

import os
import time

from graftcode_runtime import idempotent

__version__ = "1.0.0"


def echo(tag: str, delay: float = 0.0) -> list[str]:
    """The tag back, with the PID of the gateway that ran the call."""
    if delay:
        time.sleep(delay)
    return [tag, str(os.getpid())]


@idempotent
def whoami() -> int:
    """The gateway's PID; running it twice changes nothing, so clients may retry it."""
    return os.getpid()


@idempotent
def slow_whoami(delay: float) -> int:
    """`whoami` after `delay` seconds: a retryable call that is in flight for a while."""
    time.sleep(delay)
    return os.getpid()


class Tally:
    """A remote instance: it lives on the gateway that holds its caller's connection."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, n: int) -> int:
        self.total += n
        return self.total

    def gateway(self) -> int:
        return os.getpid()
