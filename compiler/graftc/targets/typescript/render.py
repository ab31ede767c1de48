"""The TypeScript model -> files: Jinja2 templates, then prettier."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2

from graftc.targets.typescript.model import Doc, TsModule

_TEMPLATES = Path(__file__).parent / "templates"
_FILES = {
    "package.json": "package.json.j2",
    "tsconfig.json": "tsconfig.json.j2",
    "README.md": "README.md.j2",
    "src/index.ts": "index.ts.j2",
}
# Fixed options so the output never depends on a prettier config found near the output folder.
PRETTIER_ARGS = ("--no-config", "--print-width", "100", "--log-level", "warn")


def tsdoc(doc: Doc, indent: int = 0, extra: tuple[str, ...] = ()) -> str:
    """A TSDoc block ending in a newline (one line when it is only a summary), or ""."""
    body = [*doc.lines, *extra]
    tags = [f"@param {name} - {text}" for name, text in doc.params]
    for t in doc.throws:
        name, _, why = t.partition(" ")
        tags.append(f"@throws {{@link {name}}}{(' ' + why) if why else ''}")
    if doc.since:
        tags.append(f"@since {doc.since}")
    if doc.deprecated is not None:
        tags.append(f"@deprecated {doc.deprecated}".rstrip())
    while body and not body[-1]:
        body.pop()
    lines = body + ([""] if body and tags else []) + tags
    if not lines:
        return ""
    pad = " " * indent
    if len(lines) == 1 and len(lines[0]) < 90:
        return f"{pad}/** {lines[0]} */\n"
    inner = "".join(f"{pad} *{(' ' + line) if line else ''}\n" for line in lines)
    return f"{pad}/**\n{inner}{pad} */\n"


def render(model: TsModule) -> dict[str, str]:
    """The package's files (path -> text), before formatting."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["tsdoc"] = tsdoc
    return {path: env.get_template(tpl).render(m=model) for path, tpl in _FILES.items()}


def find_prettier() -> Path | None:
    """prettier from $GRAFTC_PRETTIER, the repository's runtime/typescript, or PATH."""
    override = os.environ.get("GRAFTC_PRETTIER")
    if override:
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "runtime" / "typescript" / "node_modules" / ".bin" / "prettier"
        if candidate.exists():
            return candidate
    found = shutil.which("prettier")
    return Path(found) if found else None


def format_files(paths: list[Path]) -> bool:
    """Format in place; False (with a warning) when prettier is not installed."""
    prettier = find_prettier()
    targets = [p for p in paths if p.suffix in (".ts", ".json", ".md")]
    if prettier is None:
        print(
            "graftc: warning: prettier not found (run `make node-deps` or set GRAFTC_PRETTIER); "
            "the TypeScript output is left unformatted",
            file=sys.stderr,
        )
        return False
    subprocess.run(
        [str(prettier), *PRETTIER_ARGS, "--write", *map(str, targets)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return True
