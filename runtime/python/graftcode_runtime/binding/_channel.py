"""Channels: the resolved settings of a module plus a connection, as generated clients use them.

`Channel` (blocking) and `AsyncChannel` (trio) sit between a generated client and the runtime
`Client`: they resolve the settings on first use, connect, apply metadata, timeouts and
interceptors, turn a declared remote error into the generated exception class, and release
remote instances (also the ones whose proxy was garbage collected, on the next call or on close).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, cast

from ..client._callspec import CallSpec
from ..config import Resolved, Settings, generation
from ..interceptors import CallContext

if TYPE_CHECKING:
    from ._module import ModuleBinding

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
        from graftcode_runtime.protocol._events import InstanceRef

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
