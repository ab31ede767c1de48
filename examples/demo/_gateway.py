"""A `graftc serve` subprocess for the demo steps, on ephemeral ports."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gateway(*args: str, listeners: int = 1) -> Iterator[list[str]]:
    """Start `graftc serve ARGS` and yield the URLs it listens on, once `listeners` are up."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "graftc.cli", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield _listening(proc, listeners)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _listening(proc: subprocess.Popen[str], count: int) -> list[str]:
    assert proc.stdout is not None
    urls: list[str] = []
    for line in proc.stdout:
        m = re.match(r"graftc: listening (\S+)", line)
        if m:
            urls.append(m.group(1))
            if len(urls) == count:
                return urls
    raise RuntimeError("the gateway exited before listening")
