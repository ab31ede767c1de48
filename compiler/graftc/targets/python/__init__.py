"""`graftc build --target python`: an installable, typed client package for a module.

UGM -> `lower.py` (the typed intermediate model in `model.py`, with names escaped and checked)
-> `render.py` (Jinja2 templates in `templates/`, then black) -> `package.py` (files, wheels).
The package depends on `graftcode-runtime` only (runtime/python).
"""

from __future__ import annotations

from graftc.targets._plugin import Plugin, Target
from graftc.targets.python import naming, package
from graftc.targets.python.naming import distribution_name, import_name
from graftc.targets.python.render import render_module
from graftc.targets.python.routes import INDEX
from graftc.targets.python.snippets import SNIPPETS

__all__ = ["TARGET", "distribution_name", "import_name", "render_module"]

TARGET: Target = Plugin("python", naming, package, SNIPPETS, INDEX)
