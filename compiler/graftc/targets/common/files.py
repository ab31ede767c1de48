"""Writing a generated package to disk."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def write_files(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write `files` (path relative to `out_dir`, with `/` separators -> text) and return their
    paths. A file whose text is unchanged is left alone, so rebuilding an unchanged package
    does not wake file watchers and incremental builds."""
    written: list[Path] = []
    for rel, text in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
