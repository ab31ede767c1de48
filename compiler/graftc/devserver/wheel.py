"""Pure-Python wheels built with the standard library (PEP 427 / binary distribution format).

Why not `pip wheel`: a generated client is plain Python files plus metadata, so zipping them is
milliseconds, while a PEP 517 build spawns a process and imports a build backend per request.
The output is reproducible (sorted entries, fixed timestamps), so the same surface always gives
the same sha256 in the index and in lockfiles.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graftc.devserver.naming import wheel_filename, wheel_stem

_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".git", ".mypy_cache", ".pytest_cache", "node_modules"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


class WheelError(Exception):
    """The directory does not describe a pure-Python package we can wheel."""


@dataclass(frozen=True)
class WheelMetadata:
    name: str
    version: str
    summary: str = ""
    requires_python: str | None = None
    requires_dist: tuple[str, ...] = ()
    description: str = ""
    description_content_type: str = "text/markdown"
    extra_headers: tuple[tuple[str, str], ...] = field(default=())

    def render(self) -> str:
        lines = ["Metadata-Version: 2.1", f"Name: {self.name}", f"Version: {self.version}"]
        if self.summary:
            lines.append(f"Summary: {_one_line(self.summary)}")
        if self.requires_python:
            lines.append(f"Requires-Python: {self.requires_python}")
        lines.extend(f"Requires-Dist: {r}" for r in self.requires_dist)
        lines.extend(f"{k}: {_one_line(v)}" for k, v in self.extra_headers)
        if self.description:
            lines.append(f"Description-Content-Type: {self.description_content_type}")
            return "\n".join(lines) + "\n\n" + self.description
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Wheel:
    filename: str
    data: bytes

    @property
    def requires_python(self) -> str | None:
        """From the wheel's own METADATA, so the index never disagrees with the file."""
        with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
            name = next((n for n in zf.namelist() if n.endswith(".dist-info/METADATA")), None)
            if name is None:
                return None
            for line in zf.read(name).decode("utf-8").splitlines():
                if not line:
                    break
                if line.startswith("Requires-Python:"):
                    return line.split(":", 1)[1].strip()
        return None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def build_wheel(meta: WheelMetadata, files: Iterable[tuple[str, bytes]]) -> Wheel:
    """A `py3-none-any` wheel holding `files` (archive path, contents) plus its dist-info."""
    entries = sorted(files)
    names = [n for n, _ in entries]
    if len(set(names)) != len(names):
        raise WheelError("duplicate file in wheel")
    info = f"{wheel_stem(meta.name)}-{meta.version}.dist-info"
    wheel_txt = "Wheel-Version: 1.0\nGenerator: graftc devserver\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries += [
        (f"{info}/METADATA", meta.render().encode("utf-8")),
        (f"{info}/WHEEL", wheel_txt.encode("ascii")),
    ]
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in entries:
        writer.writerow([name, _record_hash(data), str(len(data))])
    writer.writerow([f"{info}/RECORD", "", ""])
    entries.append((f"{info}/RECORD", record.getvalue().encode("utf-8")))

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=_EPOCH)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return Wheel(wheel_filename(meta.name, meta.version), buf.getvalue())


def package_files(package_dir: Path, arc_prefix: str) -> list[tuple[str, bytes]]:
    """Every file of an import package, as (archive path, contents), without caches."""
    out: list[tuple[str, bytes]] = []
    for path in sorted(package_dir.rglob("*")):
        rel = path.relative_to(package_dir)
        if any(part in _SKIP_DIRS for part in rel.parts) or path.suffix in _SKIP_SUFFIXES:
            continue
        if path.is_file() and not path.is_symlink():
            out.append((f"{arc_prefix}/{rel.as_posix()}", path.read_bytes()))
    return out


def wheel_from_project(project_dir: Path, *, version: str | None = None) -> Wheel:
    """Wheel a generated project directory that has a `pyproject.toml` with a `[project]` table.

    The import packages are found from hatch's or setuptools' explicit lists, else `src/*/` or
    top-level directories holding an `__init__.py`.
    """
    try:
        project = tomllib.loads((project_dir / "pyproject.toml").read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise WheelError(f"{project_dir}: no readable pyproject.toml ({e})") from e
    table = project.get("project")
    if not isinstance(table, dict) or "name" not in table:
        raise WheelError(f"{project_dir}/pyproject.toml has no [project] name")
    name = str(table["name"])
    ver = version or str(table.get("version", ""))
    if not ver:
        raise WheelError(f"{project_dir}/pyproject.toml has no [project] version")
    description = ""
    readme = table.get("readme")
    if isinstance(readme, str) and (project_dir / readme).is_file():
        description = (project_dir / readme).read_text("utf-8")
    meta = WheelMetadata(
        name=name,
        version=ver,
        summary=str(table.get("description", "")),
        requires_python=table.get("requires-python"),
        requires_dist=tuple(str(d) for d in table.get("dependencies", ())),
        description=description,
    )
    files: list[tuple[str, bytes]] = []
    for pkg in _find_packages(project_dir, project):
        files += package_files(project_dir / pkg, Path(pkg).name)
    if not files:
        raise WheelError(f"{project_dir}: found no Python package to put in the wheel")
    return build_wheel(meta, files)


def _find_packages(project_dir: Path, project: dict[str, object]) -> Sequence[str]:
    tool = project.get("tool")
    if isinstance(tool, dict):
        hatch = tool.get("hatch", {})
        listed = (
            hatch.get("build", {}).get("targets", {}).get("wheel", {}).get("packages")
            if isinstance(hatch, dict)
            else None
        )
        if isinstance(listed, list) and listed:
            return [str(p) for p in listed]
        setuptools = tool.get("setuptools", {})
        listed = setuptools.get("packages") if isinstance(setuptools, dict) else None
        if isinstance(listed, list) and listed:
            return [str(p).replace(".", "/") for p in listed if "." not in str(p)]
    for base in (project_dir / "src", project_dir):
        found = (
            sorted(
                p.relative_to(project_dir).as_posix()
                for p in base.iterdir()
                if base.is_dir()
                and p.is_dir()
                and (p / "__init__.py").is_file()
                and p.name not in ("tests", "test")
            )
            if base.is_dir()
            else []
        )
        if found:
            return found
    return []
