"""Keep large message buffers in the heap (glibc only): large payloads stop paying page faults.

glibc serves every allocation above its mmap threshold (128 KiB at start) with a fresh mmap and
gives it back with munmap when freed, so each 1 MiB message buffer (the received chunks joined,
the unpacked bytes, the packed answer) is faulted in page by page on every call: about 0.7 ms
per MiB on the VMs we measured, more than the copies themselves. Raising the mmap threshold and
the trim threshold keeps freed large blocks in the heap for the next message (1 MiB echo: about
170 -> 500 MB/s; docs/performance.md).

The cost is memory the process keeps after a burst of large messages: at most the trim
threshold of free heap (TRIM bytes) per arena. Set GRAFTCODE_MALLOC_TUNING=0 to leave glibc's
defaults alone. Elsewhere than glibc (musl, macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

ENV = "GRAFTCODE_MALLOC_TUNING"
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP = 32 * 1024 * 1024  # glibc's largest accepted value on 64-bit (HEAP_MAX_SIZE / 2)
TRIM = 128 * 1024 * 1024

_lock = threading.Lock()
_done: bool | None = None


def keep_large_allocations() -> bool:
    """Apply the tuning once per process; True if it is in effect."""
    global _done
    with _lock:
        if _done is None:
            _done = _apply()
        return _done


def _apply() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get(ENV, "1").strip() == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM))
