"""Hosted by the auth and interceptor tests: members whose side effect (a file written) must
not happen when a call is refused, and members that show the caller's identity."""

from __future__ import annotations

from pathlib import Path

from graftcode_runtime import context

__version__ = "1.0.0"


def touch(path: str) -> str:
    Path(path).write_text("ran", encoding="utf-8")
    return "ran"


def whoami() -> str:
    ctx = context.current()
    return ctx.identity.name if ctx is not None and ctx.identity is not None else "nobody"


async def awhoami() -> str:
    return whoami()


def fail(message: str) -> str:
    raise ValueError(message)
