"""Client configuration: where a generated client sends its calls, and how.

Every setting is resolved per module (the graft's module name, e.g. `shop`) from four levels;
the first level that sets a key wins, key by key:

1. explicit code: `graft_shop.connect(url=...)`, then `graft_shop.configure(...)`
   (which is `configure("shop", ...)` here);
2. environment variables: `GRAFT_SHOP_URL`, `GRAFT_SHOP_TIMEOUT`, ... then the global
   `GRAFT_URL`, `GRAFT_TIMEOUT`, ...;
3. the config file (`$GRAFT_CONFIG`, else `./graftcode.toml`): `[modules.shop]`, then
   `[defaults]`;
4. the default the package was generated with (`graftc build --default-url`).

Within a level a module-specific value beats a global one. docs/python-client.md documents the
keys, the variables and the file format; the tests in tests/python_target prove the order.

`Channel` and `AsyncChannel` sit between a generated client and the runtime `Client`: they
resolve the settings on first use, connect, apply metadata, timeouts and interceptors, turn a
declared remote error into the generated exception class, and release remote instances (also the
ones whose proxy was garbage collected, on the next call or on close).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import os
import ssl
import threading
import tomllib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias, cast

from ._callspec import CallSpec

__all__ = [
    "AsyncChannel",
    "CallContext",
    "Channel",
    "ClientInterceptor",
    "ConfigError",
    "ModuleBinding",
    "Resolved",
    "Settings",
    "TLSSettings",
    "Transport",
    "configure",
    "env_prefix",
    "generation",
    "reset",
    "resolve",
]

Transport = Literal["tcp", "tls", "ws", "wss", "inmemory"]
TRANSPORTS: tuple[str, ...] = ("tcp", "tls", "ws", "wss", "inmemory")
_SCHEME_ALIASES = {"tcp+tls": "tls"}
_log = logging.getLogger("graftcode.client")
DEFAULT_FILE = "graftcode.toml"


class ConfigError(ValueError):
    """A setting is malformed; the message names the source (variable, file or argument)."""


# --------------------------------------------------------------------------------------------
# Interceptors (client-side plugins)
# --------------------------------------------------------------------------------------------


@dataclass
class CallContext:
    """One outgoing call as interceptors see it. `metadata` and `timeout` may be changed in
    `before_call`; `kind`/`target`/`member`/`args`/`kwargs` are the wire-level call."""

    module: str
    kind: str
    target: str
    member: str
    args: tuple[object, ...]
    kwargs: dict[str, object]
    instance: object | None
    metadata: dict[str, str]
    timeout: float | None


class ClientInterceptor:
    """Base class of client-side interceptors. Hooks are plain functions so one interceptor
    serves sync and async clients alike; override what you need. An exception raised by a hook
    fails the call with that exception."""

    def before_call(self, ctx: CallContext) -> None:
        """Runs before the call is sent (add auth metadata, tighten the timeout, log...)."""

    def after_call(self, ctx: CallContext, result: object) -> object:
        """Runs on success with the wire result; returns the (possibly replaced) result."""
        return result

    def on_error(self, ctx: CallContext, error: BaseException) -> None:
        """Runs when the call failed, before the error reaches the caller."""


# --------------------------------------------------------------------------------------------
# Settings and their resolution
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TLSSettings:
    """TLS for `wss://` (and TLS over TCP when the transport supports it)."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    verify: bool = True
    server_hostname: str | None = None

    def context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.cert_file:
            ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


@dataclass(frozen=True)
class Settings:
    """Settings for one module. `None` (or an empty tuple/mapping) means "not set at this
    level", so a lower level may supply it. `Settings.resolved` tells the final values."""

    url: str | None = None
    transport: Transport | None = None
    inmemory_module: str | None = None
    timeout: float | None = None
    connect_timeout: float | None = None
    metadata: Mapping[str, str] | None = None
    tls: TLSSettings | None = None
    interceptors: tuple[ClientInterceptor, ...] | None = None

    def over(self, lower: Settings) -> Settings:
        """These settings where set, `lower` elsewhere."""
        return Settings(
            **{
                name: mine if mine is not None else getattr(lower, name)
                for name, mine in ((n, getattr(self, n)) for n in _KEYS)
            }
        )


_KEYS = tuple(Settings.__dataclass_fields__)


@dataclass(frozen=True)
class Resolved:
    """The final settings of a module: what the channel connects with."""

    module: str
    url: str
    timeout: float | None
    connect_timeout: float | None
    metadata: Mapping[str, str]
    tls: TLSSettings | None
    interceptors: tuple[ClientInterceptor, ...]
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def transport(self) -> str:
        return "inmemory" if self.url.startswith("inmemory:") else self.url.split("://", 1)[0]

    @property
    def in_memory(self) -> bool:
        return self.transport == "inmemory"


_lock = threading.Lock()
_code: dict[str, Settings] = {}
_generation = 0


def configure(module: str, **settings: Any) -> None:
    """Set settings for `module` in code (the highest level but explicit arguments to
    `connect`). Keys are `Settings` fields; passing None clears a key set earlier."""
    global _generation
    given = _coerce(settings, f"configure({module!r})")
    with _lock:
        current = _code.get(module, Settings())
        cleared = {k for k, v in settings.items() if v is None}
        merged = given.over(current)
        if cleared:
            merged = replace(merged, **dict.fromkeys(cleared))
        _code[module] = merged
        _generation += 1


def reset(module: str | None = None) -> None:
    """Forget settings made with `configure` (for one module, or all)."""
    global _generation
    with _lock:
        if module is None:
            _code.clear()
        else:
            _code.pop(module, None)
        _generation += 1


def generation() -> int:
    """Bumped on every `configure`/`reset`, so default channels know to re-resolve."""
    return _generation


def env_prefix(module: str) -> str:
    """`GRAFT_SHOP_` for `shop`, `GRAFT_MY_MOD_` for `my.mod` or `my-mod`."""
    return "GRAFT_" + "".join(c if c.isalnum() else "_" for c in module).upper() + "_"


def resolve(
    module: str,
    defaults: Settings = Settings(),
    *,
    explicit: Settings = Settings(),
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Resolved:
    """The settings of `module`, level by level (see the module docstring)."""
    env = os.environ if environ is None else environ
    with _lock:
        code = _code.get(module, Settings())
    file_module, file_global = _file_levels(module, env, config_file)
    levels: list[tuple[str, Settings]] = [
        ("argument", explicit),
        ("configure()", code),
        (f"${env_prefix(module)}*", _env_level(env, env_prefix(module))),
        ("$GRAFT_*", _env_level(env, "GRAFT_")),
        *file_module,
        *file_global,
        ("generated default", defaults),
    ]
    final = Settings()
    sources: dict[str, str] = {}
    for name, level in levels:
        for key in _KEYS:
            if getattr(final, key) is None and getattr(level, key) is not None:
                sources[key] = name
        final = final.over(level)
    return Resolved(
        module=module,
        url=_effective_url(module, final),
        timeout=final.timeout,
        connect_timeout=final.connect_timeout,
        metadata=dict(final.metadata or {}),
        tls=final.tls,
        interceptors=final.interceptors or (),
        sources=sources,
    )


def _effective_url(module: str, s: Settings) -> str:
    if s.transport == "inmemory":
        return f"inmemory:{s.inmemory_module or module}"
    url = s.url
    if url is None:
        raise ConfigError(
            f"no gateway URL for module {module!r}: set {env_prefix(module)}URL, "
            f"configure(url=...), or [modules.{module}] url in {DEFAULT_FILE}"
        )
    if url.startswith("inmemory:") or url == "inmemory":
        return f"inmemory:{url.partition(':')[2] or s.inmemory_module or module}"
    if "://" not in url:
        return f"{s.transport or 'tcp'}://{url}"
    scheme = url.split("://", 1)[0].lower()
    if s.transport is not None and _SCHEME_ALIASES.get(scheme, scheme) != s.transport:
        raise ConfigError(
            f"module {module!r}: transport {s.transport!r} contradicts the URL {url!r}"
        )
    return url


# --------------------------------------------------------------------------------------------
# Reading values from code, environment and files
# --------------------------------------------------------------------------------------------


def _coerce(raw: Mapping[str, object], where: str, base: Path | None = None) -> Settings:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(_KEYS)})")
        out[key] = _coerce_one(key, value, where, base)
    return Settings(**out)


def _coerce_one(key: str, value: object, where: str, base: Path | None) -> object:
    if key in ("url", "inmemory_module"):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: {key} must be a non-empty string")
        return value
    if key == "transport":
        if value not in TRANSPORTS:
            raise ConfigError(f"{where}: transport must be one of {', '.join(TRANSPORTS)}")
        return value
    if key in ("timeout", "connect_timeout"):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ConfigError(f"{where}: {key} must be a number of seconds") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{where}: {key} must be a positive number of seconds")
        return float(value)
    if key == "metadata":
        if isinstance(value, str):
            return _parse_pairs(value, where)
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ConfigError(f"{where}: metadata must map strings to strings")
        return dict(value)
    if key == "tls":
        if isinstance(value, TLSSettings):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: tls must be a table of ca_file/cert_file/key_file/verify")
        return _tls(value, where, base)
    if key == "interceptors":
        items: Sequence[object]
        if isinstance(value, str):
            items = [s.strip() for s in value.split(",") if s.strip()]
        elif isinstance(value, list | tuple):
            items = value
        else:
            raise ConfigError(f"{where}: interceptors must be a list")
        return tuple(_interceptor(i, where) for i in items)
    raise AssertionError(key)


def _parse_pairs(text: str, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        k, sep, v = part.partition("=")
        if not sep or not k.strip():
            raise ConfigError(f"{where}: metadata entries are key=value, got {part!r}")
        out[k.strip()] = v.strip()
    return out


def _tls(raw: Mapping[Any, Any], where: str, base: Path | None) -> TLSSettings:
    known = set(TLSSettings.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where}: unknown tls setting(s) {', '.join(sorted(map(str, unknown)))}")

    def path(name: str) -> str | None:
        v = raw.get(name)
        if v is None:
            return None
        if not isinstance(v, str):
            raise ConfigError(f"{where}: tls.{name} must be a path")
        return str(base / v) if base is not None else v

    verify = raw.get("verify", True)
    if isinstance(verify, str):
        verify = verify.strip().lower() not in ("0", "false", "no", "off")
    if not isinstance(verify, bool):
        raise ConfigError(f"{where}: tls.verify must be true or false")
    hostname = raw.get("server_hostname")
    if hostname is not None and not isinstance(hostname, str):
        raise ConfigError(f"{where}: tls.server_hostname must be a string")
    return TLSSettings(path("ca_file"), path("cert_file"), path("key_file"), verify, hostname)


def _interceptor(item: object, where: str) -> ClientInterceptor:
    if isinstance(item, ClientInterceptor):
        return item
    if not isinstance(item, str) or ":" not in item:
        raise ConfigError(
            f"{where}: an interceptor is a ClientInterceptor or a 'package.module:name' string"
        )
    mod, _, attr = item.partition(":")
    try:
        obj: object = getattr(importlib.import_module(mod), attr)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"{where}: cannot load interceptor {item!r}: {e}") from None
    if isinstance(obj, type):
        obj = obj()
    if not isinstance(obj, ClientInterceptor):
        raise ConfigError(f"{where}: {item!r} is not a ClientInterceptor")
    return obj


_ENV_KEYS: dict[str, str] = {
    "URL": "url",
    "TRANSPORT": "transport",
    "INMEMORY_MODULE": "inmemory_module",
    "TIMEOUT": "timeout",
    "CONNECT_TIMEOUT": "connect_timeout",
    "METADATA": "metadata",
    "INTERCEPTORS": "interceptors",
}
_ENV_TLS = {"TLS_CA": "ca_file", "TLS_CERT": "cert_file", "TLS_KEY": "key_file"}


def _env_level(env: Mapping[str, str], prefix: str) -> Settings:
    # each value is checked under its own variable's name, so an error names what to fix
    out: dict[str, Any] = {}
    for suffix, key in _ENV_KEYS.items():
        if prefix == "GRAFT_" and key in ("url", "inmemory_module"):
            continue  # a URL is always per module; one global URL would send every graft there
        value = env.get(prefix + suffix)
        if value:
            out[key] = _coerce_one(key, value, f"${prefix}{suffix}", None)
    tls: dict[str, object] = {
        key: env[prefix + suffix] for suffix, key in _ENV_TLS.items() if env.get(prefix + suffix)
    }
    if env.get(prefix + "TLS_VERIFY"):
        tls["verify"] = env[prefix + "TLS_VERIFY"]
    if tls:
        out["tls"] = _coerce_one("tls", tls, f"${prefix}TLS_*", None)
    return Settings(**out)


def _file_levels(
    module: str, env: Mapping[str, str], config_file: Path | None
) -> tuple[list[tuple[str, Settings]], list[tuple[str, Settings]]]:
    path = config_file
    if path is None:
        named = env.get("GRAFT_CONFIG")
        path = Path(named) if named else Path.cwd() / DEFAULT_FILE
        if not named and not path.is_file():
            return [], []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    modules = data.get("modules", {})
    defaults = data.get("defaults", {})
    if not isinstance(modules, dict) or not isinstance(defaults, dict):
        raise ConfigError(f"{path}: [modules.<name>] and [defaults] must be tables")
    mine = modules.get(module, {})
    if not isinstance(mine, dict):
        raise ConfigError(f"{path}: [modules.{module}] must be a table")
    base = path.parent
    if "url" in defaults:
        raise ConfigError(f"{path}: url belongs in [modules.<name>], not [defaults]")
    return (
        [(f"{path} [modules.{module}]", _coerce(mine, f"{path} [modules.{module}]", base))],
        [(f"{path} [defaults]", _coerce(defaults, f"{path} [defaults]", base))],
    )


# --------------------------------------------------------------------------------------------
# Channels: the resolved settings plus a connection, as generated clients use them
# --------------------------------------------------------------------------------------------

ErrorMapper: TypeAlias = Callable[[Exception], BaseException | None]


class _SyncClient(Protocol):
    def invoke(
        self, spec: Any, *, timeout: float | None = None, metadata: Any = None
    ) -> object: ...
    def release(self, instance_id: Any) -> object: ...
    def close(self) -> object: ...


class _AsyncClient(Protocol):
    async def invoke(
        self, spec: Any, *, timeout: float | None = None, metadata: Any = None
    ) -> object: ...
    async def release(self, instance_id: Any) -> object: ...


def _connect_options(r: Resolved) -> dict[str, Any]:
    # `module` picks this module on a gateway hosting several (in memory the URL names it)
    opts: dict[str, Any] = {"module": r.module}
    if r.connect_timeout is not None:
        opts["connect_timeout"] = r.connect_timeout
    if r.tls is not None:
        opts["ssl_context"] = r.tls.context()
        if r.tls.server_hostname:
            opts["server_hostname"] = r.tls.server_hostname
    return opts


def _is_connection_lost(error: Exception) -> bool:
    from graftcode_runtime import ConnectionLost

    return isinstance(error, ConnectionLost)


def _spec(kind: str, target: str, member: str, ctx: CallContext) -> Any:
    from graftcode_runtime import CallSpec

    return CallSpec(
        kind=cast(Any, kind),
        target=target,
        member=member,
        args=ctx.args,
        kwargs=ctx.kwargs,
        instance=cast(Any, ctx.instance),
    )


class _Base:
    def __init__(
        self,
        binding: ModuleBinding,
        explicit: Settings,
        follow_configuration: bool,
    ) -> None:
        self.binding = binding
        self._explicit = explicit
        self._follow = follow_configuration
        self._resolved: Resolved | None = None
        self._generation = -1
        self._pending: list[object] = []
        self._pending_lock = threading.Lock()
        self._call_metadata: Mapping[str, str] = {}
        self._call_timeout: float | None = None

    @property
    def settings(self) -> Resolved:
        """The resolved settings (resolving them now if no call was made yet)."""
        if self._resolved is None or (self._follow and self._generation != generation()):
            self._generation = generation()
            self._resolved = self.binding.resolve(self._explicit)
        return self._resolved

    def instance_id(self, ref: object) -> int:
        """The id inside an instance reference the gateway sent."""
        from graftcode_runtime import ProtocolError
        from graftcode_runtime._events import InstanceRef

        if not isinstance(ref, InstanceRef):
            raise ProtocolError(f"expected a remote instance from the gateway, got {ref!r}")
        return ref.id

    def release_later(self, instance_id: object) -> None:
        """Queue a release (used by garbage-collected proxies: no I/O inside a finalizer)."""
        with self._pending_lock:
            self._pending.append(instance_id)

    def _take_pending(self) -> list[object]:
        if not self._pending:  # the common case, without the lock; a racing append waits a call
            return []
        with self._pending_lock:
            out, self._pending = self._pending, []
        return out

    def _context(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object],
        kwargs: Mapping[str, object],
        instance: object | None,
    ) -> CallContext:
        r = self.settings
        metadata = {**r.metadata, **self._call_metadata}
        timeout = self._call_timeout if self._call_timeout is not None else r.timeout
        ctx = CallContext(
            r.module, kind, target, member, tuple(args), dict(kwargs), instance, metadata, timeout
        )
        for i in r.interceptors:
            i.before_call(ctx)
        return ctx

    def _failed(self, ctx: CallContext, error: Exception) -> BaseException:
        for i in self.settings.interceptors:
            i.on_error(ctx, error)
        mapped = self.binding.map_error(error)
        return mapped if mapped is not None else error

    def _succeeded(self, ctx: CallContext, result: object) -> object:
        for i in self.settings.interceptors:
            result = i.after_call(ctx, result)
        return result

    def _derive(
        self, other: _Base, timeout: float | None, metadata: Mapping[str, str] | None
    ) -> None:
        other._call_timeout = timeout if timeout is not None else self._call_timeout
        other._call_metadata = {**self._call_metadata, **(metadata or {})}


class Channel(_Base):
    """A blocking connection to one module's gateway (or in-memory host), opened on first use.

    Thread-safe: one channel may serve many threads (the runtime client multiplexes calls)."""

    def __init__(
        self,
        binding: ModuleBinding,
        explicit: Settings = Settings(),
        *,
        follow_configuration: bool = False,
    ) -> None:
        super().__init__(binding, explicit, follow_configuration)
        self._client: _SyncClient | None = None
        self._client_generation = -1
        self._connect_lock = threading.Lock()
        self._parent: Channel | None = None

    def _connection(self) -> _SyncClient:
        if self._parent is not None:
            return self._parent._connection()
        r = self.settings
        client = self._client
        if client is not None and self._client_generation == self._generation:
            return client  # open and current: no lock needed to hand it out
        with self._connect_lock:
            if self._client is not None and self._client_generation != self._generation:
                stale, self._client = self._client, None
                with contextlib.suppress(Exception):
                    stale.close()
            if self._client is None:
                from graftcode_runtime import connect

                self._client = cast(_SyncClient, connect(r.url, **_connect_options(r)))
                self._client_generation = self._generation
                self.binding.check_schema(self._client)
            return self._client

    def invoke(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object] = (),
        kwargs: Mapping[str, object] | None = None,
        instance: object | None = None,
    ) -> object:
        """Make one call with wire values in and out; declared errors come back mapped."""
        r = self.settings
        if not r.interceptors:
            return self._invoke_plain(r, kind, target, member, args, kwargs, instance)
        ctx = self._context(kind, target, member, args, kwargs or {}, instance)
        client = self._connection()
        self._flush(client)
        try:
            result = client.invoke(
                _spec(kind, target, member, ctx), timeout=ctx.timeout, metadata=ctx.metadata
            )
        except Exception as e:
            if _is_connection_lost(e):
                self._drop(client)  # the next call reconnects; this one is not retried
            raised = self._failed(ctx, e)
            if raised is e:
                raise
            raise raised from e
        return self._succeeded(ctx, result)

    def _invoke_plain(
        self,
        r: Resolved,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object],
        kwargs: Mapping[str, object] | None,
        instance: object | None,
    ) -> object:
        # `invoke` without interceptors: no CallContext, and no CallSpec for the runtime's own
        # client (~25 % of a generated call's Python time, docs/performance.md)
        timeout = self._call_timeout if self._call_timeout is not None else r.timeout
        extra = self._call_metadata
        metadata = {**r.metadata, **extra} if extra else r.metadata
        client = self._connection()
        self._flush(client)
        try:
            wire = getattr(client, "invoke_wire", None)
            if wire is not None:
                return wire(kind, target, member, args, kwargs or {}, instance, timeout, metadata)
            spec = CallSpec(
                kind=cast(Any, kind),
                target=target,
                member=member,
                args=tuple(args),
                kwargs=dict(kwargs or {}),
                instance=cast(Any, instance),
            )
            return client.invoke(spec, timeout=timeout, metadata=dict(metadata))
        except Exception as e:
            if _is_connection_lost(e):
                self._drop(client)  # the next call reconnects; this one is not retried
            mapped = self.binding.map_error(e)
            if mapped is None or mapped is e:
                raise
            raise mapped from e

    def _drop(self, client: _SyncClient) -> None:
        root = self._parent or self
        with root._connect_lock:
            if root._client is client:
                root._client = None
        with contextlib.suppress(Exception):
            client.close()

    def release(self, instance_id: object) -> None:
        """Release a remote instance now."""
        self._connection().release(cast(Any, instance_id))

    def _flush(self, client: _SyncClient) -> None:
        root = self._parent or self
        if not root._pending and not self._pending:
            return
        for iid in root._take_pending() + (self._take_pending() if root is not self else []):
            with contextlib.suppress(Exception):
                client.release(cast(Any, iid))

    def with_options(
        self, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> Channel:
        """A view of this channel (same connection) with a call timeout and extra metadata."""
        other = Channel(self.binding, self._explicit, follow_configuration=self._follow)
        other._parent = self._parent or self
        self._derive(other, timeout, metadata)
        return other

    @property
    def settings(self) -> Resolved:
        if self._parent is not None:
            return self._parent.settings
        return super().settings

    def release_later(self, instance_id: object) -> None:
        (self._parent or self)._queue(instance_id)

    def _queue(self, instance_id: object) -> None:
        super().release_later(instance_id)

    def close(self) -> None:
        """Release queued instances and close the connection (a view closes nothing)."""
        if self._parent is not None:
            return
        with self._connect_lock:
            client, self._client = self._client, None
        if client is not None:
            self._flush(client)
            with contextlib.suppress(Exception):  # closing a broken connection is not an error
                client.close()

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncChannel(_Base):
    """A trio connection to one module's gateway; open it with `ModuleBinding.connect_async`."""

    def __init__(self, binding: ModuleBinding, client: _AsyncClient, resolved: Resolved) -> None:
        super().__init__(binding, Settings(), False)
        self._client = client
        self._resolved = resolved
        self._root: AsyncChannel = self

    async def invoke(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object] = (),
        kwargs: Mapping[str, object] | None = None,
        instance: object | None = None,
    ) -> object:
        ctx = self._context(kind, target, member, args, kwargs or {}, instance)
        await self._flush()
        try:
            result = await self._client.invoke(
                _spec(kind, target, member, ctx), timeout=ctx.timeout, metadata=ctx.metadata
            )
        except Exception as e:
            raised = self._failed(ctx, e)
            if raised is e:
                raise
            raise raised from e
        return self._succeeded(ctx, result)

    async def release(self, instance_id: object) -> None:
        await self._client.release(cast(Any, instance_id))

    def release_later(self, instance_id: object) -> None:
        if self._root is self:
            super().release_later(instance_id)
        else:
            self._root.release_later(instance_id)

    async def _flush(self) -> None:
        for iid in self._root._take_pending():
            with contextlib.suppress(Exception):
                await self._client.release(cast(Any, iid))

    def with_options(
        self, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> AsyncChannel:
        other = AsyncChannel(self.binding, self._client, self.settings)
        other._root = self._root
        self._derive(other, timeout, metadata)
        return other


class ModuleBinding:
    """What a generated package knows about its module: the name, the generated defaults and
    how to turn a remote error into a declared exception. The package exposes its methods as
    `configure`, `settings`, `connect` and `connect_async`."""

    def __init__(
        self,
        module: str,
        defaults: Settings = Settings(),
        *,
        map_error: ErrorMapper | None = None,
        version: str = "",
        schema_hash: str = "",
    ) -> None:
        self.module = module
        self.defaults = defaults
        self.version = version
        self.schema_hash = schema_hash
        self._warned = False
        self._map_error = map_error
        self._default: Channel | None = None
        self._lock = threading.Lock()

    def check_schema(self, client: object) -> None:
        """Warn once when the gateway's surface differs from the one this package was generated
        from (docs/compatibility.md: allow, validate every call, warn once)."""
        theirs = getattr(client, "schema_hash", "")
        if self._warned or not self.schema_hash or not theirs or theirs == self.schema_hash:
            return
        self._warned = True
        _log.warning(
            "module %s: this client was generated from version %s (schema %s) but the gateway "
            "serves version %s (schema %s); calls whose surface changed may fail",
            self.module,
            self.version or "?",
            self.schema_hash[:12],
            getattr(client, "version", "") or "?",
            str(theirs)[:12],
        )

    def map_error(self, error: Exception) -> BaseException | None:
        return self._map_error(error) if self._map_error is not None else None

    def resolve(self, explicit: Settings = Settings()) -> Resolved:
        return resolve(self.module, self.defaults, explicit=explicit)

    def configure(
        self,
        *,
        url: str | None = None,
        transport: Transport | None = None,
        inmemory_module: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
        tls: TLSSettings | None = None,
        interceptors: Sequence[ClientInterceptor] | None = None,
    ) -> None:
        """Set this module's settings in code (beats environment, file and defaults). Takes
        effect on the next call through the default channel."""
        configure(
            self.module,
            url=url,
            transport=transport,
            inmemory_module=inmemory_module,
            timeout=timeout,
            connect_timeout=connect_timeout,
            metadata=metadata,
            tls=tls,
            interceptors=tuple(interceptors) if interceptors is not None else None,
        )

    def settings(self) -> Resolved:
        """The settings the default channel uses now, with `sources` saying where each came from."""
        return self.resolve()

    def default_channel(self) -> Channel:
        """The shared channel that follows `configure()` and the environment."""
        with self._lock:
            if self._default is None:
                self._default = Channel(self, follow_configuration=True)
                # close the shared connection at exit instead of leaving it to the GC
                atexit.register(self._default.close)
            return self._default

    def connect(
        self,
        url: str | None = None,
        *,
        transport: Transport | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
        tls: TLSSettings | None = None,
        interceptors: Sequence[ClientInterceptor] | None = None,
    ) -> Channel:
        """A dedicated channel; the arguments beat every other level."""
        explicit = _coerce(
            {
                "url": url,
                "transport": transport,
                "timeout": timeout,
                "connect_timeout": connect_timeout,
                "metadata": metadata,
                "tls": tls,
                "interceptors": tuple(interceptors) if interceptors is not None else None,
            },
            "connect()",
        )
        return Channel(self, explicit)

    @contextlib.asynccontextmanager
    async def connect_async(
        self,
        url: str | None = None,
        *,
        transport: Transport | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        metadata: Mapping[str, str] | None = None,
        tls: TLSSettings | None = None,
        interceptors: Sequence[ClientInterceptor] | None = None,
    ) -> AsyncIterator[AsyncChannel]:
        """An async (trio) channel, open for the `async with` block."""
        explicit = _coerce(
            {
                "url": url,
                "transport": transport,
                "timeout": timeout,
                "connect_timeout": connect_timeout,
                "metadata": metadata,
                "tls": tls,
                "interceptors": tuple(interceptors) if interceptors is not None else None,
            },
            "connect_async()",
        )
        resolved = self.resolve(explicit)
        from graftcode_runtime import connect_async as runtime_connect_async

        async with runtime_connect_async(resolved.url, **_connect_options(resolved)) as client:
            self.check_schema(client)
            channel = AsyncChannel(self, cast(_AsyncClient, client), resolved)
            try:
                yield channel
            finally:
                with contextlib.suppress(Exception):
                    await channel._flush()
