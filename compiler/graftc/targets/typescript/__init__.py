"""`graftc build --target typescript`: an npm package (`graft-<module>`) with a typed client.

UGM -> `lower.py` (the typed model in `model.py`) -> `render.py` (Jinja2 templates in
`templates/`, then prettier) -> `package.py` (files, tarballs). The package depends only on the
`graftcode-runtime` npm package (runtime/typescript).
"""

from __future__ import annotations

from graftc.targets._plugin import Plugin, Target
from graftc.targets.typescript import naming, package
from graftc.targets.typescript.lower import build_model, lower
from graftc.targets.typescript.render import render
from graftc.targets.typescript.routes import INDEX
from graftc.targets.typescript.snippets import SNIPPETS

__all__ = ["TARGET", "build_model", "lower", "render"]

TARGET: Target = Plugin("typescript", naming, package, SNIPPETS, INDEX)
