"""`graftc build --target python`: an installable, typed client package for a module.

UGM -> `lower.py` (the typed intermediate model in `model.py`, with names escaped and checked)
-> `render.py` (Jinja2 templates in `templates/`, then black) -> files.
"""

from __future__ import annotations

from pathlib import Path

from graftcode_runtime import ugm

from graftc.diagnostics import Diagnostic, DiagnosticError
from graftc.targets import TargetOptions
from graftc.targets.python.lower import lower
from graftc.targets.python.naming import distribution_name, import_name
from graftc.targets.python.render import Rendered, render

__all__ = ["TARGET", "PythonTarget", "distribution_name", "import_name", "render_module"]


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


class PythonTarget:
    name = "python"

    def generate(self, module: ugm.Module, out_dir: Path, options: TargetOptions) -> list[Path]:
        files = render_module(module, options)
        written: list[Path] = []
        for f in files:
            path = out_dir / f.path
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text(encoding="utf-8") != f.text:
                path.write_text(f.text, encoding="utf-8")
            written.append(path)
        return written


TARGET = PythonTarget()
