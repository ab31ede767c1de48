"""The intermediate model -> files: Jinja2 templates, then black."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import black
import jinja2
from black.mode import TargetVersion
from graftcode_runtime import ugm

from graftc.diagnostics import Diagnostic, DiagnosticError
from graftc.targets._plugin import TargetOptions
from graftc.targets.common.naming import env_prefix
from graftc.targets.python import model as m
from graftc.targets.python.lower import lower

TEMPLATES = Path(__file__).parent / "templates"

# the package's modules, each rendered from `<name>.py.j2`
PYTHON_FILES = (
    "__init__",
    "_binding",
    "_types",
    "_errors",
    "_convert",
    "_client",
)


@dataclass(frozen=True)
class Rendered:
    path: str  # relative to the project directory, with "/" separators
    text: str


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _black(source: str, path: str) -> str:
    mode = black.Mode(target_versions={TargetVersion.PY311})
    try:
        return black.format_str(source, mode=mode)
    except black.parsing.InvalidInput as e:  # a generator bug, never bad user input
        raise RuntimeError(f"generated {path} is not valid Python: {e}\n{source}") from e


def render(pkg: m.Package) -> list[Rendered]:
    env = _environment()
    common = {"pkg": pkg, "env_prefix": env_prefix(pkg.module)}
    out = [
        Rendered("pyproject.toml", env.get_template("pyproject.toml.j2").render(**common)),
        Rendered("README.md", env.get_template("README.md.j2").render(**common)),
        Rendered(f"{pkg.import_name}/py.typed", ""),
    ]
    for name in PYTHON_FILES:
        file = pkg.files.get(name, m.FileDef(name, ()))
        path = f"{pkg.import_name}/{name}.py"
        text = env.get_template(f"{name}.py.j2").render(file=file, **common)
        out.append(Rendered(path, _black(text, path)))
    return out


def render_module(module: ugm.Module, options: TargetOptions = TargetOptions()) -> list[Rendered]:
    """The package's files as text, without writing them (raises DiagnosticError)."""
    if options.extra:
        unknown = ", ".join(sorted(options.extra))
        raise DiagnosticError([Diagnostic("--option", 0, 0, f"the python target has no {unknown}")])
    pkg = lower(
        module,
        package_name=options.package_name,
        default_url=options.default_url,
        source=options.source,
        source_file=options.source_file,
    )
    return render(pkg)
