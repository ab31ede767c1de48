"""The Go model -> files: Jinja2 templates, then gofmt (the language's standard formatter)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2

from graftc.targets.go import naming
from graftc.targets.go.model import Doc, GoModule
from graftc.targets.go.values import go_string

_TEMPLATES = Path(__file__).parent / "templates"
_FILES = {
    "go.mod": "go.mod.j2",
    "README.md": "README.md.j2",
    "client.go": "client.go.j2",
    "types.go": "types.go.j2",
    "wire.go": "wire.go.j2",
}


def comment(doc: Doc) -> str:
    """`//` lines for a doc, ending in a newline, or "" for none."""
    return "".join(f"// {line}\n" if line else "//\n" for line in doc)


def render(model: GoModule) -> dict[str, str]:
    """The module's files (path -> text), before formatting."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    method = env.get_template("method.j2")
    bodies = "".join(c.body_from for c in model.conversions)
    env.globals.update(
        comment=comment,
        q=go_string,
        runtime_module=naming.RUNTIME_MODULE,
        go_version=naming.GO_VERSION,
        method=lambda meth: method.render(meth=meth, comment=comment, q=go_string),
        uses=lambda text: text in bodies,
        types_use_time=any(
            "time." in f.type
            for fields in [r.fields for r in model.records] + [e.fields for e in model.errors]
            for f in fields
        )
        or any("time." in x.underlying for u in model.unions for x in u.members)
        or any("time." in go for t in model.tuples for _, go, _ in t.fields),
    )
    return {path: env.get_template(tpl).render(m=model) for path, tpl in _FILES.items()}


def find_gofmt() -> Path | None:
    """gofmt from $GRAFTC_GOFMT, PATH, or beside the `go` command."""
    override = os.environ.get("GRAFTC_GOFMT")
    if override:
        return Path(override)
    found = shutil.which("gofmt")
    if found:
        return Path(found)
    go = shutil.which("go")
    if go:
        candidate = Path(go).resolve().parent / "gofmt"
        if candidate.is_file():
            return candidate
    return None


def format_files(paths: list[Path]) -> bool:
    """Format the .go files in place; False (with a warning) when gofmt is not installed.
    A file gofmt cannot parse is a generator bug: the error says which and where."""
    gofmt = find_gofmt()
    sources = [str(p) for p in paths if p.suffix == ".go"]
    if gofmt is None:
        print(
            "graftc: warning: gofmt not found (install Go or set GRAFTC_GOFMT); "
            "the Go output is left unformatted",
            file=sys.stderr,
        )
        return False
    proc = subprocess.run([str(gofmt), "-w", *sources], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"gofmt refused the generated Go code:\n{proc.stderr.strip()}")
    return True
