"""`ModuleBinding`: what a generated package knows about its module (name, generated defaults,
how a remote error becomes a declared exception), and the package's `configure`, `settings`,
`connect` and `connect_async`."""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import cast

from ..config import Resolved, Settings, TLSSettings, Transport, _coerce, configure, resolve
from ..interceptors import ClientInterceptor
from ._channel import AsyncChannel, Channel, ErrorMapper, _AsyncClient, _connect_options

_log = logging.getLogger("graftcode.client")


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
        idempotent: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.module = module
        # (target, member) of the members marked @idempotent: the ones channels retry
        self.idempotent = frozenset(idempotent)
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
        token: str | None = None,
        token_file: str | None = None,
        retry_attempts: int | None = None,
        retry_backoff: float | None = None,
        retry_max_backoff: float | None = None,
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
            token=token,
            token_file=token_file,
            retry_attempts=retry_attempts,
            retry_backoff=retry_backoff,
            retry_max_backoff=retry_max_backoff,
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
        token: str | None = None,
        token_file: str | None = None,
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
                "token": token,
                "token_file": token_file,
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
        token: str | None = None,
        token_file: str | None = None,
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
                "token": token,
                "token_file": token_file,
            },
            "connect_async()",
        )
        resolved = self.resolve(explicit)
        from graftcode_runtime import connect_async as runtime_connect_async

        async with runtime_connect_async(
            resolved.url, on_connect=self.check_schema, **_connect_options(resolved)
        ) as client:
            channel = AsyncChannel(self, cast(_AsyncClient, client), resolved)
            try:
                yield channel
            finally:
                with contextlib.suppress(Exception):
                    await channel._flush()
