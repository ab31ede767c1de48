"""`graftc build --target typescript`: an npm package (`graft-<module>`) with a typed client.

UGM -> a typed TypeScript model (`_build`) -> Jinja2 templates (`_emit`) -> prettier. The package
depends only on the `graftcode-runtime` npm package (runtime/typescript).
"""

from __future__ import annotations

from pathlib import Path

from graftcode_runtime import ugm

from graftc.targets import TargetOptions

from ._build import build_model
from ._emit import render, write_package
from ._model import TsModule

__all__ = ["TARGET", "TypeScriptTarget", "build_model", "render"]


class TypeScriptTarget:
    name = "typescript"

    def model(self, module: ugm.Module, options: TargetOptions) -> TsModule:
        return build_model(
            module,
            package=options.package_name,
            default_url=options.default_url,
            runtime_version=options.extra.get("runtime_version", "^0.1.0"),
            source=options.source,
            source_file=options.source_file,
        )

    def generate(self, module: ugm.Module, out_dir: Path, options: TargetOptions) -> list[Path]:
        model = self.model(module, options)
        fmt = options.extra.get("format", "true").lower() not in ("0", "false", "no")
        return write_package(model, out_dir, format=fmt)


TARGET = TypeScriptTarget()
