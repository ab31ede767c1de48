"""Compile the runtime's hot modules with mypyc: `python -m graftcode_runtime._mypyc_build`.

Compiles `_mypyc.COMPILED` from this package's own sources into `_mypyc_lib/` (see `_mypyc` for
how and when they are used). Needs mypy (which ships mypyc), setuptools and a C compiler with
the Python headers; `make compiled` (and so `make test`) runs it. Does nothing when the last
build was made from the same sources for the same interpreter, whether it succeeded or failed
(`--force` builds again).

A failed build never fails `make`: it prints one line saying the runtime runs as pure Python
and why, records that in the manifest, and exits 0 (`--strict` exits 1 instead). `--clean`
removes the compiled modules.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ._mypyc import COMPILED, GROUP, LIB, MANIFEST, ROOT, extension_suffix, source_hashes

# Only what compiling needs: mypyc refuses code that does not type-check, and the strict
# settings (the project's own `mypy --strict` run) add nothing to the generated code.
MYPY_CONFIG = "[mypy]\nignore_missing_imports = True\n"


def up_to_date(manifest: dict[str, object]) -> bool:
    return manifest.get("suffix") == extension_suffix() and manifest.get("sources") == (
        source_hashes()
    )


def read_manifest() -> dict[str, object]:
    try:
        loaded = json.loads(MANIFEST.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def compile_into(out: Path, work: Path) -> None:
    """Build every compiled module into `out` (raises with mypyc's or the compiler's output)."""
    from mypyc.build import mypycify

    setuptools: Any = importlib.import_module("setuptools")  # untyped

    config = work / "mypy.ini"
    config.write_text(MYPY_CONFIG)
    files = [str(ROOT / (name.replace(".", "/") + ".py")) for name in COMPILED]
    cwd = os.getcwd()
    os.chdir(work)  # mypyc and setuptools write their intermediate files to the current dir
    try:
        extensions = mypycify(
            ["--config-file", str(config), *files],
            group_name=GROUP,
            target_dir=str(work / "c"),
            opt_level="3",
        )
        dist = setuptools.Distribution(
            {"name": "graftcode-runtime-mypyc", "ext_modules": extensions}
        )
        build = dist.get_command_obj("build_ext")
        build.build_lib = str(out)
        build.build_temp = str(work / "obj")
        build.parallel = os.cpu_count() or 1
        build.ensure_finalized()
        build.run()
    finally:
        os.chdir(cwd)


def build() -> str | None:
    """Compile, and replace `_mypyc_lib/` with the result; None, or why it failed."""
    hashes = source_hashes()
    with tempfile.TemporaryDirectory(prefix="graftcode-mypyc-") as tmp:
        work, out = Path(tmp), Path(tmp) / "lib"
        log = io.StringIO()
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                compile_into(out, work)
        except (Exception, SystemExit) as exc:  # setuptools exits on a compiler error
            lines = [line for line in log.getvalue().splitlines() if "error" in line.lower()]
            detail = lines[0].strip() if lines else f"{type(exc).__name__}: {exc}"
            if len(detail) > 200:  # a compiler's whole command line, say
                detail = detail[:200] + "..."
            write_manifest({"error": detail, "sources": hashes})
            return detail
        (out / "manifest.json").write_text(
            json.dumps({"suffix": extension_suffix(), "sources": hashes}, indent=1)
        )
        old = LIB.with_name(f"{LIB.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if LIB.exists():
            LIB.rename(old)  # processes that loaded the old files keep their mappings
        shutil.copytree(out, LIB)
        shutil.rmtree(old, ignore_errors=True)
    return None


def write_manifest(manifest: dict[str, object]) -> None:
    shutil.rmtree(LIB, ignore_errors=True)
    LIB.mkdir(parents=True)
    MANIFEST.write_text(json.dumps({"suffix": extension_suffix(), **manifest}, indent=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graftcode_runtime._mypyc_build")
    parser.add_argument("--force", action="store_true", help="build even if up to date")
    parser.add_argument("--strict", action="store_true", help="exit 1 if the build fails")
    parser.add_argument("--clean", action="store_true", help="remove the compiled modules")
    args = parser.parse_args(argv)
    if args.clean:
        shutil.rmtree(LIB, ignore_errors=True)
        return 0
    manifest = read_manifest()
    if not args.force and up_to_date(manifest):
        return 1 if args.strict and manifest.get("error") else 0
    started = time.monotonic()
    error = build()
    if error is not None:
        print(
            f"graftcode_runtime: mypyc build failed, the runtime runs as pure Python: {error}",
            file=sys.stderr,
        )
        return 1 if args.strict else 0
    print(
        f"graftcode_runtime: compiled {len(COMPILED)} modules with mypyc "
        f"in {time.monotonic() - started:.0f} s ({LIB})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
