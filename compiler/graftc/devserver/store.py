"""Client packages built on first request and cached per (module, version, target).

The gateway's modules are fixed for its lifetime (a changed module means a restart), so a key
never goes stale within a process: the cache is a dict, plus files under `cache_dir` so a restart
with an unchanged surface answers at once. One lock per key makes concurrent first requests
build once; requests for other keys do not wait on it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from graftcode_runtime import ugm

from graftc import __version__ as graftc_version
from graftc import targets as graftc_targets
from graftc.devserver import naming
from graftc.devserver.ledger import BuildLedger, fingerprint
from graftc.devserver.runtime_artifacts import (
    TypeScriptCompileError,
    compile_typescript,
    runtime_tarball,
    runtime_wheel,
)
from graftc.devserver.tarball import Tarball, build_tarball, directory_files, with_package_json
from graftc.devserver.wheel import Wheel, WheelError, wheel_from_project
from graftc.diagnostics import DiagnosticError

Target = Literal["python", "typescript"]


@functools.cache
def generator_digest() -> str:
    """A hash of the code generators' sources and templates. Part of every disk-cache key: the
    graftc version alone stays the same while graftc itself is edited, and a restarted gateway
    must not serve packages an older generator wrote."""
    h = hashlib.sha256()
    root = Path(graftc_targets.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2"):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


Generator = Callable[[Target, ugm.Module, Path, str | None], None]
T = TypeVar("T")


class UnknownPackage(LookupError):
    """No hosted module gives this package name or version (HTTP 404)."""


class GenerationError(Exception):
    """The module's surface cannot be generated for a target (HTTP 422). The message names the
    declaration or member at fault, so the developer knows what to change."""

    def __init__(self, module: str, target: str, message: str) -> None:
        what = "any client" if target == "package" else f"the {target} client"
        super().__init__(f"cannot build {what} of module {module!r}: {message}")
        self.module = module
        self.target = target


def default_generator(
    target: Target, module: ugm.Module, out_dir: Path, default_url: str | None
) -> None:
    """Run graftc's code generator for `target` into `out_dir`. `default_url` is baked in as
    the client's last-resort URL, so a package installed from a gateway calls that gateway
    with no configuration at all."""
    from graftc import targets

    targets.get(target).generate(module, out_dir, targets.TargetOptions(default_url=default_url))


class PackageStore:
    def __init__(
        self,
        modules: Sequence[ugm.Module],
        *,
        cache_dir: Path | None = None,
        ledger: BuildLedger | None = None,
        generator: Generator = default_generator,
        compiler: Callable[[Path], None] = compile_typescript,
    ) -> None:
        self.compiler = compiler
        self.modules = {m.name: m for m in modules}
        self._cache_dir = cache_dir
        self._ledger = ledger or BuildLedger(cache_dir / "builds.json" if cache_dir else None)
        self._generator = generator
        self._meta_lock = threading.Lock()
        self._locks: dict[tuple[str, ...], threading.Lock] = {}
        self._done: dict[tuple[str, ...], object] = {}
        self.builds: Counter[tuple[str, ...]] = Counter()  # generator runs per key (for tests)

    # -- names and versions ---------------------------------------------------------------

    def module(self, name: str) -> ugm.Module:
        try:
            return self.modules[name]
        except KeyError:
            raise UnknownPackage(f"no hosted module {name!r}") from None

    def build_number(self, name: str) -> int:
        m = self.module(name)
        return self._once(
            ("build", name), lambda: self._ledger.build_number(m.name, m.version, fingerprint(m))
        )

    def python_version(self, name: str) -> str:
        return self._versioned(name, naming.python_version)

    def npm_version(self, name: str) -> str:
        return self._versioned(name, naming.npm_version)

    def _versioned(self, name: str, spell: Callable[[str, int], str]) -> str:
        m = self.module(name)
        try:
            return spell(m.version, self.build_number(name))
        except naming.VersionError as e:
            raise GenerationError(name, "package", str(e)) from None

    def by_python_distribution(self, project: str) -> str:
        """The module whose distribution normalizes to `project`, else UnknownPackage."""
        for name in self.modules:
            if naming.python_distribution(name) == naming.normalize_project(project):
                return name
        raise UnknownPackage(f"no package {project!r}")

    def by_npm_package(self, package: str) -> str:
        for name in self.modules:
            if naming.npm_package(name) == package:
                return name
        raise UnknownPackage(f"no package {package!r}")

    # -- artifacts --------------------------------------------------------------------------
    # `default_url` is the call URL baked into the client: it depends on the host name the
    # developer reached the gateway by, so it is part of every key.

    def wheel(self, name: str, default_url: str | None = None) -> Wheel:
        version = self.python_version(name)
        key = ("python", name, version, default_url or "")
        return self._once(key, lambda: self._build_wheel(name, version, default_url))

    def npm_files(self, name: str, default_url: str | None = None) -> list[tuple[str, bytes]]:
        """The generated TypeScript package's files (package.json as the generator wrote it)."""
        version = self.npm_version(name)
        key = ("typescript", name, version, default_url or "")
        return self._once(key, lambda: self._build_npm_files(name, version, default_url))

    def tarball(
        self, name: str, runtime_spec: str | None, default_url: str | None = None
    ) -> Tarball:
        """The npm tarball, its `graftcode-runtime` dependency pointed at `runtime_spec` (the
        runtime tarball's URL on this gateway), since the runtime is not on the npm registry."""
        version = self.npm_version(name)
        key = ("tgz", name, version, runtime_spec or "", default_url or "")

        def pack() -> Tarball:
            files = self.npm_files(name, default_url)
            update: dict[str, Any] = {"version": version}
            if runtime_spec:
                update["dependencies"] = {"graftcode-runtime": runtime_spec}
            return build_tarball(
                naming.tarball_filename(naming.npm_package(name), version),
                with_package_json(files, update),
            )

        return self._once(key, pack)

    def runtime_wheel(self) -> Wheel:
        return self._once(("runtime", "python"), runtime_wheel)

    def runtime_tarball(self) -> Tarball:
        return self._once(("runtime", "typescript"), runtime_tarball)

    # -- machinery --------------------------------------------------------------------------

    def _once(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        done = self._done.get(key)
        if done is not None and not isinstance(done, _Failed):
            return cast(T, done)  # the cache holds what make() returned for this key
        with self._meta_lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._done:
                try:
                    self._done[key] = make()
                except GenerationError as e:
                    # Deterministic for this surface: remember it rather than rebuild per request.
                    self._done[key] = _Failed(e)
            done = self._done[key]
        if isinstance(done, _Failed):
            raise done.error
        return cast(T, done)  # the cache holds what make() returned for this key

    def _disk_key(
        self, target: str, m: ugm.Module, version: str, default_url: str | None
    ) -> Path | None:
        if self._cache_dir is None:
            return None
        digest = hashlib.sha256(
            f"{graftc_version}\0{generator_digest()}\0{target}\0{version}\0{default_url}\0"
            f"{fingerprint(m)}".encode()
        ).hexdigest()[:20]
        return self._cache_dir / target / f"{m.name}-{version}-{digest}"

    def _generate(
        self, target: Target, m: ugm.Module, version: str, out: Path, default_url: str | None
    ) -> None:
        check_references(m)
        self.builds[(target, m.name, version)] += 1
        try:
            self._generator(target, dataclasses.replace(m, version=version), out, default_url)
        except DiagnosticError as e:
            reason = "; ".join(_with_member(m, d.line, d.header()) for d in e.diagnostics)
            raise GenerationError(m.name, target, reason) from None
        except (NotImplementedError, ValueError, TypeError, LookupError) as e:
            # A generator refusing this surface is the user's 422, not the gateway's 500.
            raise GenerationError(m.name, target, str(e)) from None

    def _build_wheel(self, name: str, version: str, default_url: str | None) -> Wheel:
        m = self.module(name)
        cached = self._disk_key("python", m, version, default_url)
        filename = naming.wheel_filename(naming.python_distribution(name), version)
        if cached is not None and (cached / filename).is_file():
            return Wheel(filename, (cached / filename).read_bytes())
        with tempfile.TemporaryDirectory(prefix="graft-py-") as tmp:
            self._generate("python", m, version, Path(tmp), default_url)
            try:
                wheel = wheel_from_project(Path(tmp), version=version)
            except WheelError as e:
                raise GenerationError(name, "python", str(e)) from None
        if wheel.filename != filename:
            raise GenerationError(
                name, "python", f"the generator named the wheel {wheel.filename}, not {filename}"
            )
        _atomic_write(cached, wheel.filename, wheel.data)
        return wheel

    def _build_npm_files(
        self, name: str, version: str, default_url: str | None
    ) -> list[tuple[str, bytes]]:
        m = self.module(name)
        cached = self._disk_key("typescript", m, version, default_url)
        if cached is not None and (cached / "package.tar").is_file():
            return _untar((cached / "package.tar").read_bytes())
        with tempfile.TemporaryDirectory(prefix="graft-ts-") as tmp:
            out = Path(tmp)
            self._generate("typescript", m, version, out, default_url)
            if not (out / "package.json").is_file():
                raise GenerationError(name, "typescript", "the generator wrote no package.json")
            pkg = json.loads((out / "package.json").read_text("utf-8"))
            main = out / str(pkg.get("main", "index.js"))
            if not main.is_file() and (out / "tsconfig.json").is_file():
                try:
                    self.compiler(out)
                except TypeScriptCompileError as e:
                    raise GenerationError(name, "typescript", f"tsc failed:\n{e}") from None
            files = directory_files(out, pkg.get("files"))
        _atomic_write(cached, "package.tar", _tar(files))
        return files


@dataclasses.dataclass(frozen=True)
class _Failed:
    error: GenerationError


def check_references(m: ugm.Module) -> None:
    """Named types must be declared, and must not be errors (they are raised, never passed);
    the message names the member at fault, whatever target was asked for."""
    kinds = {d.name: d for d in m.decls}
    for where, t in _typed_members(m):
        for inner in ugm.walk_types(t):
            if not isinstance(inner, ugm.Named):
                continue
            decl = kinds.get(inner.name)
            if decl is None:
                raise GenerationError(
                    m.name,
                    "package",
                    f"{where} uses type {inner.name!r}, which the module does not declare",
                )
            if isinstance(decl, ugm.Error):
                raise GenerationError(
                    m.name,
                    "package",
                    f"{where} uses the error type {inner.name!r} as a value; "
                    "errors can only be raised (declare a record to return error details)",
                )


def _with_member(m: ugm.Module, line: int, text: str) -> str:
    """Prefix a generator diagnostic with the member whose source span holds its line, so the
    HTTP answer names the member even when the generator's message only names a type."""
    best: tuple[int, str] | None = None
    for name, span in _spans(m):
        if span is not None and span.line <= line <= span.end_line:
            size = span.end_line - span.line
            if best is None or size <= best[0]:
                best = (size, name)
    if best is None or best[1] in text:
        return text
    return f"{best[1]}: {text}"


def _spans(m: ugm.Module) -> list[tuple[str, ugm.Span | None]]:
    out: list[tuple[str, ugm.Span | None]] = []
    for d in m.decls:
        out.append((d.name, d.span))
        if isinstance(d, ugm.Record | ugm.Error):
            out += [(f"{d.name}.{f.name}", f.span) for f in d.fields]
        elif isinstance(d, ugm.Enum):
            out += [(f"{d.name}.{x.name}", x.span) for x in d.members]
        elif isinstance(d, ugm.Service | ugm.Class):
            out += [(f"{d.name}.{x.name}", x.span) for x in d.methods]
            if isinstance(d, ugm.Class):
                out += [(f"{d.name}.{p.name}", p.span) for p in d.properties]
                if d.constructor is not None:
                    out.append((f"{d.name}.constructor", d.constructor.span))
    return out


def _typed_members(m: ugm.Module) -> list[tuple[str, ugm.TypeRef]]:
    out: list[tuple[str, ugm.TypeRef]] = []
    for d in m.decls:
        if isinstance(d, ugm.Record | ugm.Error):
            out += [(f"{d.name}.{f.name}", f.type) for f in d.fields]
        elif isinstance(d, ugm.Service | ugm.Class):
            for meth in d.methods:
                out += [(f"{d.name}.{meth.name}({p.name})", p.type) for p in meth.params]
                out.append((f"{d.name}.{meth.name} (return)", meth.returns))
            if isinstance(d, ugm.Class):
                out += [(f"{d.name}.{p.name}", p.type) for p in d.properties]
                if d.constructor:
                    out += [(f"{d.name}({p.name})", p.type) for p in d.constructor.params]
    return out


def _atomic_write(directory: Path | None, filename: str, data: bytes) -> None:
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, directory / filename)
    except OSError:
        shutil.rmtree(directory, ignore_errors=True)  # a cache that cannot be written is no cache


def _tar(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _untar(blob: bytes) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
        for member in tar.getmembers():
            f = tar.extractfile(member)
            if f is not None:
                out.append((member.name, f.read()))
    return out
