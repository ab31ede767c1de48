"""`graftc build --target go`: a Go module (`graftcode.dev/g/<module>`) with a typed client.

UGM -> `lower.py` (the typed model in `model.py`) -> `render.py` (Jinja2 templates in
`templates/`, then gofmt) -> `package.py` (files, module zips). The module requires only the
Go runtime `graftcode.dev/runtime` (runtime/go), which the gateway's GOPROXY serves too.
"""

from __future__ import annotations

from graftc.targets._plugin import Plugin, Target
from graftc.targets.go import naming, package
from graftc.targets.go.lower import build_model, lower
from graftc.targets.go.render import render
from graftc.targets.go.routes import INDEX
from graftc.targets.go.snippets import SNIPPETS

__all__ = ["TARGET", "build_model", "lower", "render"]

TARGET: Target = Plugin("go", naming, package, SNIPPETS, INDEX)
