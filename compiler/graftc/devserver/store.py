"""Client packages built on first request and cached per (target, module, version, call URL).

The gateway's modules are fixed for its lifetime (a changed module means a restart), so a key
never goes stale within a process: the cache is a dict, plus files under `cache_dir` so a restart
with an unchanged surface answers at once. One lock per key makes concurrent first requests
build once; requests for other keys do not wait on it. What a package is (its version spelling,
its artifact) is the target's business: `targets.Target.index`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar, cast

from graftcode_runtime import ugm

from graftc import __version__ as graftc_version
from graftc import targets as graftc_targets
from graftc.devserver.ledger import BuildLedger, fingerprint
from graftc.diagnostics import DiagnosticError
from graftc.targets.common.naming import VersionError
from graftc.targets.common.serving import Artifact, GenerationError, PackError, UnknownPackage
from graftc.targets.common.walk import spans, typed_positions

__all__ = ["GenerationError", "Generator", "PackageStore", "UnknownPackage", "check_references"]

T = TypeVar("T")
# (target name, module, project directory, the call URL baked in) -> files in the directory
Generator = Callable[[str, ugm.Module, Path, str | None], None]


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


def default_generator(
    target: str, module: ugm.Module, out_dir: Path, default_url: str | None
) -> None:
    """Run graftc's code generator for `target` into `out_dir`. `default_url` is baked in as
    the client's last-resort URL, so a package installed from a gateway calls that gateway
    with no configuration at all."""
    options = graftc_targets.TargetOptions(default_url=default_url)
    graftc_targets.get(target).generate(module, out_dir, options)


class PackageStore:
    def __init__(
        self,
        modules: Sequence[ugm.Module],
        *,
        cache_dir: Path | None = None,
        ledger: BuildLedger | None = None,
        generator: Generator = default_generator,
        targets: Sequence[graftc_targets.Target] | None = None,
    ) -> None:
        self.modules = {m.name: m for m in modules}
        self.targets = {
            t.name: t for t in (graftc_targets.available() if targets is None else targets)
        }
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
        return self.once(
            ("build", name), lambda: self._ledger.build_number(m.name, m.version, fingerprint(m))
        )

    def version(self, target: str, name: str) -> str:
        """The version `target` serves module `name` under (build number included)."""
        m = self.module(name)
        try:
            return self.targets[target].index.served_version(m.version, self.build_number(name))
        except VersionError as e:
            raise GenerationError(name, "package", str(e)) from None

    # -- artifacts --------------------------------------------------------------------------
    # `call_url` is baked into the client: it depends on the host name the developer reached
    # the gateway by, so it is part of every key.

    def artifact(self, target: str, name: str, call_url: str | None) -> Artifact:
        """Module `name`'s client for `target`, generated and packed once."""
        version = self.version(target, name)
        key = (target, name, version, call_url or "")
        return self.once(key, lambda: self._build(self.targets[target], name, version, call_url))

    def once(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        """`make()`, run once per key (a failure to generate is remembered too)."""
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

    # -- machinery --------------------------------------------------------------------------

    def _disk_key(
        self, target: str, m: ugm.Module, version: str, call_url: str | None
    ) -> Path | None:
        if self._cache_dir is None:
            return None
        digest = hashlib.sha256(
            f"{graftc_version}\0{generator_digest()}\0{target}\0{version}\0{call_url}\0"
            f"{fingerprint(m)}".encode()
        ).hexdigest()[:20]
        return self._cache_dir / target / f"{m.name}-{version}-{digest}"

    def _build(
        self, target: graftc_targets.Target, name: str, version: str, call_url: str | None
    ) -> Artifact:
        m = self.module(name)
        cached = self._disk_key(target.name, m, version, call_url)
        found = _read_cached(cached)
        if found is not None:
            return found
        check_references(m)
        self.builds[(target.name, m.name, version)] += 1
        with tempfile.TemporaryDirectory(prefix=f"graftc-{target.name}-") as tmp:
            try:
                self._generator(
                    target.name, dataclasses.replace(m, version=version), Path(tmp), call_url
                )
                artifact = target.index.pack(Path(tmp), version)
            except DiagnosticError as e:
                reason = "; ".join(_with_member(m, d.line, d.header()) for d in e.diagnostics)
                raise GenerationError(name, target.name, reason) from None
            except (PackError, NotImplementedError, ValueError, TypeError, LookupError) as e:
                # A generator refusing this surface is the user's 422, not the gateway's 500.
                raise GenerationError(name, target.name, str(e)) from None
        _write_cached(cached, artifact)
        return artifact


@dataclasses.dataclass(frozen=True)
class _Failed:
    error: GenerationError


def check_references(m: ugm.Module) -> None:
    """Named types must be declared, and must not be errors (they are raised, never passed);
    the message names the member at fault, whatever target was asked for."""
    kinds = {d.name: d for d in m.decls}
    for where, t in typed_positions(m):
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
    for name, span in spans(m):
        if span is not None and span.line <= line <= span.end_line:
            size = span.end_line - span.line
            if best is None or size <= best[0]:
                best = (size, name)
    if best is None or best[1] in text:
        return text
    return f"{best[1]}: {text}"


_META = "artifact.json"


def _read_cached(directory: Path | None) -> Artifact | None:
    if directory is None:
        return None
    try:
        meta = json.loads((directory / _META).read_text("utf-8"))
        filename = str(meta["filename"])
        if Path(filename).name != filename:
            return None
        return Artifact(filename, (directory / filename).read_bytes(), str(meta["media_type"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cached(directory: Path | None, artifact: Artifact) -> None:
    """The artifact, then its description: a reader never finds one without the other."""
    if directory is None:
        return
    meta = {"filename": artifact.filename, "media_type": artifact.media_type}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in ((artifact.filename, artifact.data), (_META, json.dumps(meta).encode())):
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, directory / name)
    except OSError:
        shutil.rmtree(directory, ignore_errors=True)  # a cache that cannot be written is no cache
