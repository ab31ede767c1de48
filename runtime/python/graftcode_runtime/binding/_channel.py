"""Channels: the resolved settings of a module plus a connection, as generated clients use them.

`Channel` (blocking) and `AsyncChannel` (trio) sit between a generated client and the runtime
client: they resolve the settings on first use, create the client, apply metadata, timeouts and
interceptors, and turn a declared remote error into the generated exception class. Everything
both need lives in `_Base`; the twins only differ in how they wait.

Connections are the runtime client's business: a `Channel` creates its client lazily (the first
call connects, within that call's deadline), and the client reconnects by itself after losing
its connection. Instance ids are bound to the connection that made them (`InstanceId`), which
is how an old proxy is refused on a new connection and how a collected proxy's release goes to
its own connection's queue.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeAlias, TypeVar, cast

from ..client._call_table import deadline_after
from ..client._callspec import CallSpec
from ..client._instance_id import InstanceId
from ..client._metadata import checked
from ..config import Resolved, Settings, generation
from ..interceptors import CallContext
from ..retry import Retrier, RetryBudget, run_with_retry, run_with_retry_async

if TYPE_CHECKING:
    from ..client._streams import AsyncRemoteStream, RemoteStream
    from ._module import ModuleBinding

T = TypeVar("T")

ErrorMapper: TypeAlias = Callable[[Exception], BaseException | None]


class _SyncClient(Protocol):
    def invoke(
        self, spec: Any, *, timeout: float | None = None, metadata: Any = None
    ) -> object: ...
    def release(self, instance_id: Any) -> object: ...
    def close(self) -> object: ...
    def stream(
        self,
        spec: Any,
        *,
        timeout: float | None = None,
        metadata: Any = None,
        convert: Callable[[Any], Any] | None = None,
        errors: Callable[[Exception], BaseException] | None = None,
        source: Any = None,
    ) -> RemoteStream[Any]: ...


class _AsyncClient(Protocol):
    async def invoke(
        self, spec: Any, *, timeout: float | None = None, metadata: Any = None
    ) -> object: ...
    async def release(self, instance_id: Any) -> object: ...
    def stream(
        self,
        spec: Any,
        *,
        timeout: float | None = None,
        metadata: Any = None,
        convert: Callable[[Any], Any] | None = None,
        errors: Callable[[Exception], BaseException] | None = None,
        source: Any = None,
    ) -> AsyncRemoteStream[Any]: ...


def _connect_options(r: Resolved) -> dict[str, Any]:
    # `module` picks this module on a gateway hosting several (in memory the URL names it)
    opts: dict[str, Any] = {"module": r.module}
    if r.connect_timeout is not None:
        opts["connect_timeout"] = r.connect_timeout
    if r.token is not None or r.token_file is not None:
        opts["auth"] = r.auth  # a callable: a token file is read at each connect
    if r.tls is not None:
        opts["ssl_context"] = r.tls.context()
        if r.tls.server_hostname:
            opts["server_hostname"] = r.tls.server_hostname
    return opts


def _spec(kind: str, target: str, member: str, ctx: CallContext) -> Any:
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
        self._root = self  # views made by with_options share their root's connection
        self._pending: list[object] = []
        self._pending_lock = threading.Lock()
        self._call_metadata: Mapping[str, str] = {}
        self._call_timeout: float | None = None
        # the settings' metadata and its lowercased form (kept on the root, see `_metadata`)
        self._lowered: tuple[Mapping[str, str], Mapping[str, str]] | None = None
        self._retry_budget: RetryBudget | None = None  # on the root: shared by its views

    @property
    def settings(self) -> Resolved:
        """The resolved settings (resolving them now if no call was made yet)."""
        root = self._root
        if root._resolved is None or (root._follow and root._generation != generation()):
            root._generation = generation()
            root._resolved = root.binding.resolve(root._explicit)
        return root._resolved

    def _current_client(self) -> object:
        raise NotImplementedError

    def _retrier(self, target: str, member: str, clock: Callable[[], float]) -> Retrier | None:
        """The retries of a call, for a member marked @idempotent when the policy allows any
        (docs/deploy.md, "Retry policy"); None otherwise: the call is made once."""
        if (target, member) not in self.binding.idempotent:
            return None
        r = self.settings
        if r.retry.max_attempts <= 1:
            return None
        root = self._root
        budget = root._retry_budget
        if budget is None or budget.policy is not r.retry:
            budget = root._retry_budget = RetryBudget(r.retry)
        timeout = self._call_timeout if self._call_timeout is not None else r.timeout
        return Retrier(r.retry, budget, deadline_after(timeout, clock()))

    def _metadata(self, r: Resolved) -> Mapping[str, str]:
        """The settings' metadata with its keys lowercased and checked, once per resolution: a
        `with_options` key then overrides it whatever the case of either (docs/python-client.md,
        "Metadata")."""
        root = self._root
        lowered = root._lowered
        if lowered is None or lowered[0] is not r.metadata:
            where = f"metadata from {r.sources.get('metadata', 'the settings')}"
            lowered = root._lowered = (r.metadata, checked(r.metadata, where))
        return lowered[1]

    def instance_id(self, ref: object) -> int:
        """The id inside an instance reference the gateway sent, bound to its connection when
        the client knows connections (the runtime's clients do)."""
        bind = getattr(self._current_client(), "instance_id", None)
        if bind is not None:
            return cast(int, bind(ref))
        from graftcode_runtime import ProtocolError
        from graftcode_runtime.protocol._events import InstanceRef

        if not isinstance(ref, InstanceRef):
            raise ProtocolError(f"expected a remote instance from the gateway, got {ref!r}")
        return ref.id

    def release_later(self, instance_id: object) -> None:
        """Queue a release (used by garbage-collected proxies: no I/O inside a finalizer). A
        bound id goes to its own connection's queue, sent with that connection's next call."""
        if type(instance_id) is InstanceId:
            instance_id.table.queue_release(instance_id)
            return
        root = self._root
        with root._pending_lock:
            root._pending.append(instance_id)

    def _take_pending(self) -> list[object]:
        root = self._root
        if not root._pending:  # the common case, without the lock; a racing append waits a call
            return []
        with root._pending_lock:
            out, root._pending = root._pending, []
        return out

    def _context(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object],
        kwargs: Mapping[str, object] | None,
        instance: object | None,
    ) -> CallContext:
        r = self.settings
        metadata = {**self._metadata(r), **self._call_metadata}
        timeout = self._call_timeout if self._call_timeout is not None else r.timeout
        ctx = CallContext(
            r.module, kind, target, member, tuple(args), dict(kwargs or {}), instance, metadata,
            timeout,
        )  # fmt: skip
        for i in r.interceptors:
            i.before_call(ctx)
        return ctx

    def _raise(self, ctx: CallContext | None, error: Exception) -> NoReturn:
        """Report a failed call to the interceptors, then raise it, as its declared exception
        if the binding knows one."""
        mapped = self._mapped(ctx, error)
        if mapped is error:
            raise error
        raise mapped from error

    def _mapped(self, ctx: CallContext | None, error: Exception) -> BaseException:
        """`error` reported to the interceptors, as the exception the caller is to see."""
        if ctx is not None:
            for i in self.settings.interceptors:
                i.on_error(ctx, error)
        mapped = self.binding.map_error(error)
        return error if mapped is None else mapped

    def _succeeded(self, ctx: CallContext, result: object) -> object:
        for i in self.settings.interceptors:
            result = i.after_call(ctx, result)
        return result

    def _derive(
        self, other: _Base, timeout: float | None, metadata: Mapping[str, str] | None
    ) -> None:
        other._root = self._root
        other._call_timeout = timeout if timeout is not None else self._call_timeout
        other._call_metadata = {
            **self._call_metadata,
            **checked(metadata or {}, "with_options(metadata=...)"),
        }


class Channel(_Base):
    """A blocking connection to one module's gateway (or in-memory host), opened on first use.

    Thread-safe: one channel may serve many threads (the runtime client multiplexes calls)."""

    _root: Channel

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

    def _connection(self, current: Resolved | None = None) -> _SyncClient:
        """The runtime client; `current` is the settings the caller has just resolved."""
        root = self._root
        r = root.settings if current is None else current
        client = root._client
        if client is not None and root._client_generation == root._generation:
            return client  # current: no lock needed to hand it out
        with root._connect_lock:
            if root._client is not None and root._client_generation != root._generation:
                stale, root._client = root._client, None  # configure() changed the settings
                with contextlib.suppress(Exception):
                    stale.close()
            if root._client is None:
                from graftcode_runtime import connect

                # no I/O yet: the first call connects, within that call's own deadline
                root._client = cast(
                    _SyncClient,
                    connect(
                        r.url, lazy=True, on_connect=root.binding.check_schema,
                        **_connect_options(r),
                    ),
                )  # fmt: skip
                root._client_generation = root._generation
            return root._client

    _current_client = _connection

    def invoke(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object] = (),
        kwargs: Mapping[str, object] | None = None,
        instance: object | None = None,
        *,
        source: Any = None,
    ) -> object:
        """Make one call with wire values in and out; declared errors come back mapped. A
        member marked @idempotent is retried after UNAVAILABLE, per the settings' policy, unless
        it takes a client stream (`source`: the wire items of its stream parameter), whose
        items cannot be sent twice."""
        if source is None and (target, member) not in self.binding.idempotent:
            # the common call (once, no stream parameter): straight to `_invoke_plain` when no
            # interceptor runs, one Python call fewer per call (docs/performance.md)
            r = self.settings
            if not r.interceptors:
                return self._invoke_plain(r, kind, target, member, args, kwargs, instance)
            return self._invoke_once(kind, target, member, args, kwargs, instance)
        retrier = self._retrier(target, member, time.monotonic) if source is None else None
        if retrier is None:
            return self._invoke_once(kind, target, member, args, kwargs, instance, source)
        return run_with_retry(
            lambda left: self.with_options(timeout=left)._invoke_once(
                kind, target, member, args, kwargs, instance
            ),
            retrier, time.monotonic, time.sleep,
        )  # fmt: skip

    def _invoke_once(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object],
        kwargs: Mapping[str, object] | None,
        instance: object | None,
        source: Any = None,
    ) -> object:
        r = self.settings
        if not r.interceptors and source is None:
            return self._invoke_plain(r, kind, target, member, args, kwargs, instance)
        ctx = self._context(kind, target, member, args, kwargs, instance)
        client = self._connection(r)
        self._flush(client)
        try:
            extra = {} if source is None else {"source": source}
            result = client.invoke(
                _spec(kind, target, member, ctx),
                timeout=ctx.timeout,
                metadata=ctx.metadata,
                **extra,
            )
        except Exception as e:
            self._lost(client, e)
            self._raise(ctx, e)
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
        root = self._root
        # `_metadata` and `_connection` inlined for their current case (a call each fewer)
        lowered = root._lowered
        base = lowered[1] if lowered is not None and lowered[0] is r.metadata else self._metadata(r)
        metadata = {**base, **extra} if extra else base
        client = root._client
        if client is None or root._client_generation != root._generation:
            client = self._connection(r)
        if root._pending:
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
            self._lost(client, e)
            self._raise(None, e)

    def stream(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object] = (),
        kwargs: Mapping[str, object] | None = None,
        instance: object | None = None,
        *,
        convert: Callable[[Any], T],
        source: Any = None,
    ) -> RemoteStream[T]:
        """Start a call whose result is a stream (docs/protocol.md 5.5): its items, read by
        `convert`; declared errors raised mid-stream come back mapped. Interceptors see the
        call start (`before_call`) and its errors, not every item."""
        ctx = self._context(kind, target, member, args, kwargs, instance)
        client = self._connection()
        self._flush(client)
        try:
            started: RemoteStream[T] = client.stream(
                _spec(kind, target, member, ctx),
                timeout=ctx.timeout,
                metadata=ctx.metadata,
                convert=convert,
                errors=lambda e: self._mapped(ctx, e),
                source=source,
            )
        except Exception as e:
            self._lost(client, e)
            self._raise(ctx, e)
        return started

    def _lost(self, client: _SyncClient, error: Exception) -> None:
        """A client that cannot reconnect by itself is replaced after a lost connection; the
        failed call is not retried either way (it may have run)."""
        from graftcode_runtime import ConnectionLost

        if not isinstance(error, ConnectionLost) or getattr(client, "reconnects", False):
            return
        root = self._root
        with root._connect_lock:
            if root._client is client:
                root._client = None
        with contextlib.suppress(Exception):
            client.close()

    def release(self, instance_id: object) -> None:
        """Release a remote instance now (nothing to do if its connection is gone)."""
        self._connection().release(cast(Any, instance_id))

    def _flush(self, client: _SyncClient) -> None:
        for iid in self._take_pending():
            with contextlib.suppress(Exception):
                client.release(cast(Any, iid))

    def with_options(
        self, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> Channel:
        """A view of this channel (same connection) with a call timeout and extra metadata."""
        other = Channel(self.binding, self._explicit, follow_configuration=self._follow)
        self._derive(other, timeout, metadata)
        return other

    def close(self) -> None:
        """Release queued instances and close the connection (a view closes nothing). The
        channel stays usable: its next call opens a new connection."""
        if self._root is not self:
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
    """A trio connection to one module's gateway; open it with `ModuleBinding.connect_async`.
    Its client reconnects by itself inside that context after losing its connection."""

    def __init__(self, binding: ModuleBinding, client: _AsyncClient, resolved: Resolved) -> None:
        super().__init__(binding, Settings(), False)
        self._client = client
        self._resolved = resolved

    def _current_client(self) -> object:
        return self._client

    async def invoke(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object] = (),
        kwargs: Mapping[str, object] | None = None,
        instance: object | None = None,
        *,
        source: Any = None,
    ) -> object:
        import trio

        idempotent = self.binding.idempotent and source is None  # a stream is not replayed
        retrier = self._retrier(target, member, trio.current_time) if idempotent else None
        if retrier is None:
            return await self._invoke_once(kind, target, member, args, kwargs, instance, source)

        return await run_with_retry_async(
            lambda left: self.with_options(timeout=left)._invoke_once(
                kind, target, member, args, kwargs, instance
            ),
            retrier, trio.current_time, trio.sleep,
        )  # fmt: skip

    async def _invoke_once(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object],
        kwargs: Mapping[str, object] | None,
        instance: object | None,
        source: Any = None,
    ) -> object:
        ctx = self._context(kind, target, member, args, kwargs, instance)
        await self._flush()
        spec = _spec(kind, target, member, ctx)
        extra = {} if source is None else {"source": source}
        try:
            result = await self._client.invoke(
                spec, timeout=ctx.timeout, metadata=ctx.metadata, **extra
            )
        except Exception as e:
            self._raise(ctx, e)
        return self._succeeded(ctx, result)

    def stream(
        self,
        kind: str,
        target: str,
        member: str,
        args: Sequence[object] = (),
        kwargs: Mapping[str, object] | None = None,
        instance: object | None = None,
        *,
        convert: Callable[[Any], T],
        source: Any = None,
    ) -> AsyncRemoteStream[T]:
        """A call whose result is a stream, sent when the caller starts iterating: `async for
        x in channel.stream(...)`. Queued releases go with the next plain call."""
        ctx = self._context(kind, target, member, args, kwargs, instance)
        stream: AsyncRemoteStream[T] = self._client.stream(
            _spec(kind, target, member, ctx),
            timeout=ctx.timeout,
            metadata=ctx.metadata,
            convert=convert,
            errors=lambda e: self._mapped(ctx, e),
            source=source,
        )
        return stream

    async def release(self, instance_id: object) -> None:
        await self._client.release(cast(Any, instance_id))

    async def _flush(self) -> None:
        for iid in self._take_pending():
            with contextlib.suppress(Exception):
                await self._client.release(cast(Any, iid))

    def with_options(
        self, *, timeout: float | None = None, metadata: Mapping[str, str] | None = None
    ) -> AsyncChannel:
        other = AsyncChannel(self.binding, self._client, self.settings)
        self._derive(other, timeout, metadata)
        return other
