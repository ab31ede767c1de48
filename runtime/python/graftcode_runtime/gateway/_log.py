"""Structured log lines: `graftcode event=NAME key=value ...` (logfmt), one per event, so they
grep well and parse with any logfmt reader."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("graftcode.gateway")


def _fmt(value: Any) -> str:
    text = str(value)
    if not text or any(c in text for c in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def event(name: str, level: int = logging.INFO, /, **fields: Any) -> None:
    if log.isEnabledFor(level):
        parts = " ".join(f"{k}={_fmt(v)}" for k, v in fields.items() if v is not None)
        if parts:
            log.log(level, "event=%s %s", name, parts)
        else:
            log.log(level, "event=%s", name)
