"""The interface every target implements; `graftc.targets.get(name)` returns one.

A target is one folder, `graftc/targets/<name>/`, with the same modules in every language:

    __init__.py   TARGET = Plugin(name, naming, package, SNIPPETS, INDEX): the modules below
    naming.py     package, import and file names, versions, identifier escaping; LANGUAGE
    model.py      the typed model the templates render
    types.py      how UGM types are spelled, and converted on the wire
    values.py     how values (defaults, examples) are spelled: hooks for common.values
    decls.py      records, enums and errors -> model
    members.py    services, classes and their callables -> model
    lower.py      UGM -> model: the entry point, names at module level, the package
    render.py     model -> files: templates, then the language's formatter
    package.py    generate(): files on disk; MANIFEST; the artifact the package index serves
    snippets.py   Vision: install command, configuration examples, usage per member
    routes.py     its package-index routes (under `PackageIndex.prefix`)
    templates/

plus its runtime under `runtime/<name>/`. Everything language-neutral is in
`graftc.targets.common`. `docs/internals.md` ("Adding a target") has the checklist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from graftcode_runtime import ugm

from graftc.targets.common.serving import Artifact, Endpoints, PackageHost, Reply
from graftc.targets.common.walk import Member

# The modules of every target folder (tests hold each target to it).
MODULES = (
    "__init__",
    "naming",
    "model",
    "types",
    "values",
    "decls",
    "members",
    "lower",
    "render",
    "package",
    "snippets",
    "routes",
)


@dataclass(frozen=True)
class TargetOptions:
    """What `graftc build` passes to every target. `source`/`source_file` let a target point
    diagnostics into the IDL text; `extra` carries target-specific `--option key=value` pairs."""

    package_name: str | None = None
    default_url: str | None = None
    source: str | None = None
    source_file: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """The file that makes a directory a project of this target (`pyproject.toml`), and text
    graftc always writes into it: `graftc build` refuses to overwrite one without it."""

    filename: str
    marker: str


class Snippets(Protocol):
    """Vision's panel for one language."""

    def install(self, base_url: str, module: str, version: str) -> str:
        """The one command that installs `module`'s client from the gateway at `base_url`."""
        ...

    def configs(self, module: ugm.Module, endpoints: Endpoints) -> list[tuple[str, str]]:
        """(title, code) examples: where calls go, set in code, environment, files."""
        ...

    def usage(self, member: Member, version: str | None) -> str:
        """Code that uses `member` through the installed client."""
        ...


class PackageIndex(Protocol):
    """The package manager's view of the gateway: routes under `/<prefix>`, and how the
    dev server builds what they serve."""

    @property
    def prefix(self) -> str:
        """The first path segment of the routes (`pypi` for `/pypi/...`)."""
        ...

    @property
    def links(self) -> tuple[tuple[str, str], ...]:
        """(label, path) links for Vision's header."""
        ...

    def served_version(self, version: str, build: int) -> str:
        """The package version for module version `version` at build number `build` (0 for
        the first surface); raises common.naming.VersionError when it cannot be spelled."""
        ...

    def call_url(self, endpoints: Endpoints) -> str | None:
        """Which of the gateway's URLs a served client calls by default."""
        ...

    def pack(self, project: Path, version: str) -> Artifact:
        """The artifact for a project `generate` wrote (a wheel, a tarball): what the disk
        cache keeps. Raises common.serving.PackError when it cannot be packed."""
        ...

    def handle(self, path: Sequence[str], host: PackageHost) -> Reply:
        """Answer a GET for `/<prefix>/<path...>` (`path` is non-empty, already decoded and
        free of `.`/`..` segments)."""
        ...


@runtime_checkable
class Target(Protocol):
    @property
    def name(self) -> str:
        """The registry key: `graftc build --target NAME`, Vision's tab id, cache folders."""
        ...

    @property
    def label(self) -> str:
        """The language as people write it, for Vision's tab and messages."""
        ...

    @property
    def manifest(self) -> Manifest: ...

    @property
    def snippets(self) -> Snippets: ...

    @property
    def index(self) -> PackageIndex: ...

    def default_dir(self, module: str) -> str:
        """`graftc build`'s output directory when `-o` is not given."""
        ...

    def generate(self, module: ugm.Module, out_dir: Path, options: TargetOptions) -> list[Path]:
        """Write the package for `module` into `out_dir` and return the files written; raise
        DiagnosticError (nothing written) for a surface the language cannot express."""
        ...


class Naming(Protocol):
    """What a target's `naming` module gives the plugin."""

    LANGUAGE: str  # as people write it: Vision's tab, messages

    def default_dir(self, module: str) -> str:
        """`graftc build`'s output directory when `-o` is not given."""
        ...


class Packaging(Protocol):
    """What a target's `package` module gives the plugin."""

    MANIFEST: Manifest

    def generate(self, module: ugm.Module, out_dir: Path, options: TargetOptions) -> list[Path]:
        """`Target.generate`."""
        ...


@dataclass(frozen=True)
class Plugin:
    """A `Target` assembled from a target folder's modules."""

    name: str
    naming: Naming
    package: Packaging
    snippets: Snippets
    index: PackageIndex

    @property
    def label(self) -> str:
        return self.naming.LANGUAGE

    @property
    def manifest(self) -> Manifest:
        return self.package.MANIFEST

    def default_dir(self, module: str) -> str:
        return self.naming.default_dir(module)

    def generate(self, module: ugm.Module, out_dir: Path, options: TargetOptions) -> list[Path]:
        return self.package.generate(module, out_dir, options)
