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
The channels that use these settings are in `graftcode_runtime.binding`.
"""

from __future__ import annotations

import importlib
import os
import ssl
import threading
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from .interceptors import CallContext, ClientInterceptor
from .retry import DEFAULT_RETRY, RetryPolicy

__all__ = [
    "CallContext",
    "ClientInterceptor",
    "ConfigError",
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
DEFAULT_FILE = "graftcode.toml"


class ConfigError(ValueError):
    """A setting is malformed; the message names the source (variable, file or argument)."""


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
    # the credential: one of the two per level (see _credential); a token never in repr
    token: str | None = field(default=None, repr=False)
    token_file: str | None = None
    # the retry policy of members marked idempotent (docs/deploy.md, "Retry policy")
    retry_attempts: int | None = None
    retry_backoff: float | None = None
    retry_max_backoff: float | None = None

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
    token: str | None = field(default=None, repr=False)
    token_file: str | None = None
    retry: RetryPolicy = DEFAULT_RETRY

    def auth(self) -> str | None:
        """The token to send in HELLO now: `token_file` is read on every call of this (each
        connect and reconnect), so a rotated secret is picked up without a restart."""
        if self.token_file is None:
            return self.token
        return read_token_file(self.token_file, self.sources.get("token_file", "token_file"))

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
        # one credential: giving one spelling replaces the other one set earlier
        if (given.token is None) != (given.token_file is None):
            cleared.add("token_file" if given.token is not None else "token")
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
        level = _credential(final, level, name)
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
        token=final.token,
        token_file=final.token_file,
        retry=_retry(final),
    )


def _retry(s: Settings) -> RetryPolicy:
    default = DEFAULT_RETRY
    return RetryPolicy(
        max_attempts=s.retry_attempts if s.retry_attempts is not None else default.max_attempts,
        initial_backoff=s.retry_backoff if s.retry_backoff is not None else default.initial_backoff,
        max_backoff=(
            s.retry_max_backoff if s.retry_max_backoff is not None else default.max_backoff
        ),
    )


def _credential(final: Settings, level: Settings, name: str) -> Settings:
    """`token` and `token_file` are one setting in two spellings: the highest level that
    gives either wins, as for the URL (a token in code beats a token file from the
    environment), and one level giving both is ambiguous."""
    if level.token is not None and level.token_file is not None:
        raise ConfigError(f"{name}: give token or token_file, not both")
    if final.token is not None or final.token_file is not None:
        return replace(level, token=None, token_file=None)
    return level


def read_token_file(path: str, where: str) -> str:
    """The token in `path`, without its trailing newline (what `echo` and most secret
    stores leave). Errors name the file, never its content."""
    try:
        with open(path, encoding="utf-8") as f:
            token = f.read().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise ConfigError(f"{where}: cannot read token file {path}: {reason}") from None
    if not token:
        raise ConfigError(f"{where}: token file {path} is empty")
    return token


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
    if key in ("url", "inmemory_module", "token"):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: {key} must be a non-empty string")
        return value
    if key == "token_file":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: token_file must be a path")
        return str(base / value) if base is not None else value
    if key == "transport":
        if value not in TRANSPORTS:
            raise ConfigError(f"{where}: transport must be one of {', '.join(TRANSPORTS)}")
        return value
    if key == "retry_attempts":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{where}: retry_attempts must be a whole number >= 1 (1: never)")
        return value
    if key in ("timeout", "connect_timeout", "retry_backoff", "retry_max_backoff"):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ConfigError(f"{where}: {key} must be a number of seconds") from None
        zero_ok = key.startswith("retry_")  # no wait between retries; never a zero deadline
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            or (value == 0 and not zero_ok)
        ):
            what = "a number of seconds >= 0" if zero_ok else "a positive number of seconds"
            raise ConfigError(f"{where}: {key} must be {what}")
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
    "TOKEN": "token",
    "TOKEN_FILE": "token_file",
    "RETRY_ATTEMPTS": "retry_attempts",
    "RETRY_BACKOFF": "retry_backoff",
    "RETRY_MAX_BACKOFF": "retry_max_backoff",
}
# Per module only, like the URL: one global token would go to every module's gateway, so a
# program calling two gateways would hand each the other's credential.
_PER_MODULE = ("url", "inmemory_module", "token", "token_file")
_ENV_TLS = {
    "TLS_CA": "ca_file",
    "TLS_CERT": "cert_file",
    "TLS_KEY": "key_file",
    "TLS_SERVER_NAME": "server_hostname",
}


def _env_level(env: Mapping[str, str], prefix: str) -> Settings:
    # each value is checked under its own variable's name, so an error names what to fix
    out: dict[str, Any] = {}
    for suffix, key in _ENV_KEYS.items():
        if prefix == "GRAFT_" and key in _PER_MODULE:
            continue  # one global URL would send every graft there
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
    for key in ("url", "token", "token_file"):
        if key in defaults:
            raise ConfigError(f"{path}: {key} belongs in [modules.<name>], not [defaults]")
    return (
        [(f"{path} [modules.{module}]", _coerce(mine, f"{path} [modules.{module}]", base))],
        [(f"{path} [defaults]", _coerce(defaults, f"{path} [defaults]", base))],
    )


def __getattr__(name: str) -> Any:
    # The channels moved to graftcode_runtime.binding; packages generated before that import
    # them from here.
    if name in ("AsyncChannel", "Channel", "ModuleBinding"):
        from . import binding

        return getattr(binding, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
