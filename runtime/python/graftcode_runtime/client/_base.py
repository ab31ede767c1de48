"""What the blocking and the trio client share above the call table: their settings, the
connection they call through now, the reconnect rule, and the dynamic API's specs and proxies.
Nothing here does I/O or waits; `_sync.Client` and `_trio.AsyncClient` add exactly that.

Reconnecting (docs/python-client.md, "Lost connections"): a call sees that the current
connection is not open (never opened, lost, or told to go away) and opens a new one, redoing
the HELLO with the same module, auth and limits, within the call's own deadline. A call in
flight when a connection dies is never retried; one that never went out (the connection closed
as it was being sent) or that the gateway refused unrun (a graceful GOAWAY below its id) goes
once more to a new connection (`_may_resend`). Instances stay with the connection that made
them, so their ids are bound to it (`InstanceId`) and refused on any other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from wsproto.utilities import LocalProtocolError as WebSocketClosed

from ..protocol._errors import ConnectionLost, GraftError, ProtocolError, StatusCode
from ..protocol._events import GoAway, Hello, InstanceRef
from ..protocol._limits import Limits
from ..retry import DEFAULT_RETRY, Retrier, RetryBudget, RetryPolicy
from ._call_table import (
    CallTable,
    connect_budget,
    connect_timed_out,
    deadline_after,
    instance_gone,
    new_hello,
)
from ._callspec import CallSpec
from ._instance_id import InstanceId
from ._metadata import checked
from ._remote import ProxyTable, unwrap_args

OnConnect = Callable[[Any], object]
# Connections whose handshake was cut are opened again this many times (`_handshake_pause`).
HANDSHAKE_RETRIES = 2

# `WebSocketClosed`: what the WebSocket transports raise (wsproto's refusal, let through) when
# asked to send once the WebSocket is closing, e.g. after reading the gateway's close frame
# before its GOAWAY was routed. Nothing of that message went out.
__all__ = ["ClientBase", "Link", "OnConnect", "WebSocketClosed"]


class Link:
    """One connection of a client: its call table, and (in each driver's subclass) what the
    driver moves its bytes with."""

    __slots__ = ("closed", "table")

    def __init__(self, table: CallTable) -> None:
        self.table = table
        self.closed = False


# A token, or a function giving it at each connect (a token file re-read after rotation).
Auth: TypeAlias = "str | bytes | Callable[[], str | bytes | None] | None"


class ClientBase:
    url: str
    _link: Any  # the driver's Link subclass
    _proxy_type: type = object  # the dynamic proxy class of the driver
    # how calls marked idempotent are retried (docs/deploy.md); set it per client to change it
    retry_policy: RetryPolicy = DEFAULT_RETRY
    _retry_budget: RetryBudget | None = None

    def __init__(
        self,
        *,
        url: str = "",
        module: str = "",
        limits: Limits | None = None,
        metadata: Mapping[str, str] | None = None,
        timeout: float | None = None,
        auth: Auth = None,
        schema: str = "",
        connect_timeout: float | None = 10.0,
        on_connect: OnConnect | None = None,
    ) -> None:
        self.url = url
        self.default_timeout = timeout
        self.default_metadata = dict(checked(metadata or {}, "the client's metadata"))
        self.connect_timeout = connect_timeout
        self._auth = auth if callable(auth) else None
        self._hello = new_hello(module, schema, None if callable(auth) else auth, limits)
        self._on_connect = on_connect
        self._server_hello: Hello | None = None
        self._closed = False
        self._link = None
        self._draining: list[Any] = []  # replaced connections still answering calls
        self._first_table: CallTable | None = None
        self._relinked = False

    # ----------------------------------------------------------------- the connection

    @property
    def server_hello(self) -> Hello | None:
        """The gateway's HELLO on the latest connection (None before the first one)."""
        return self._server_hello

    @property
    def module(self) -> str:
        return self._server_hello.module if self._server_hello else self._hello.module

    @property
    def version(self) -> str:
        return self._server_hello.version if self._server_hello else ""

    @property
    def schema_hash(self) -> str:
        return self._server_hello.schema if self._server_hello else ""

    @property
    def service(self) -> str:
        """The name of the module's service (its top-level functions)."""
        return self.module.rpartition(".")[2]

    @property
    def goaway(self) -> GoAway | None:
        """The GOAWAY the gateway sent on the current connection, if any."""
        return self._link.table.goaway if self._link is not None else None

    @property
    def connected(self) -> bool:
        """True while the current connection is open; the next call reconnects otherwise
        (unless the client was closed)."""
        return self._link is not None and self._link.table.open

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def reconnects(self) -> bool:
        """This client opens a new connection by itself after losing one (channels rely on it)."""
        return True

    @property
    def proxies(self) -> ProxyTable:
        """The dynamic proxies of the current connection's instances."""
        if self._link is None:
            raise ConnectionLost("not connected yet")
        return self._proxies_of(self._link.table)

    def _proxies_of(self, table: CallTable) -> ProxyTable:
        if table.proxies is None:
            table.proxies = ProxyTable(self, table)
        return table.proxies  # type: ignore[no-any-return]

    def _retrier(self, timeout: float | None, now: float) -> Retrier:
        """The retries of one idempotent call, sharing this client's retry budget."""
        if self._retry_budget is None:
            self._retry_budget = RetryBudget(self.retry_policy)
        return Retrier(self.retry_policy, self._retry_budget, self._deadline(timeout, now))

    def _deadline(self, timeout: float | None, now: float) -> float | None:
        return deadline_after(self.default_timeout if timeout is None else timeout, now)

    def _new_table(self, message_mode: bool) -> CallTable:
        first = self._link.table.next_id if self._link is not None else 1
        hello = self._hello
        if self._auth is not None:
            hello = dataclasses.replace(hello, auth=self._auth())
        return CallTable(hello, message_mode=message_mode, first_id=first)

    def _refuse(self, instance: object, target: str) -> None:
        """Before reconnecting: an instance of an earlier connection cannot follow."""
        if self._closed:
            raise ConnectionLost("the client was closed")
        if type(instance) is InstanceId:
            raise instance_gone(instance, target)

    def _handshake_pause(
        self, error: BaseException, attempt: int, now: float, end: float | None
    ) -> float | None:
        """After a connection closed during its handshake (the socket opened, the gateway's
        HELLO never came): how long to wait before opening another, or None to raise `error`.
        Behind a load balancer this is a gateway that died or closed its listener just as the
        balancer picked it (nginx had already accepted the client, so it cannot try the next
        gateway); no call went out, so connecting again is always safe. A refusal with a
        reason (GOAWAY UNAUTHENTICATED, NOT_FOUND...) and a failure to open the socket itself
        (refused, TLS, a WebSocket upgrade answered with an error) are not retried."""
        if self._closed or attempt >= HANDSHAKE_RETRIES or not isinstance(error, ConnectionLost):
            return None
        if error.code is not StatusCode.UNAVAILABLE:
            return None
        pause = 0.02 * 5**attempt
        return None if end is not None and now + pause >= end else pause

    def _budget(self, deadline: float | None, now: float) -> tuple[float | None, bool]:
        return connect_budget(deadline, self.connect_timeout, now)

    def _timed_out(self, by_call: bool) -> GraftError:
        return connect_timed_out(self.url, by_call, self.connect_timeout)

    def _may_resend(self, error: GraftError, table: CallTable, sent: bool) -> bool:
        """Whether a call that failed with `error` on `table` goes once more to a new
        connection: it was not sent (the connection was lost or told to go away just before),
        or the gateway said with GOAWAY that it never ran it (docs/protocol.md 5.4: safe to
        retry). A call that may have run is never sent again."""
        if self._closed:
            return False
        if not sent:
            return not table.open
        return isinstance(error, ConnectionLost) and error.retry_safe

    def _publish(self, link: Any) -> list[Any]:
        """Make `link` the connection calls go through; returns the replaced connections that
        no call waits on any more, for the driver to close."""
        if self._link is not None:
            self._draining.append(self._link)
            self._relinked = True
        else:
            self._first_table = link.table
        self._link = link
        self._server_hello = link.table.server_hello
        if self._on_connect is not None:
            self._on_connect(self)
        return self._idle()

    def _idle(self) -> list[Any]:
        idle = [link for link in self._draining if not link.table.waiting]
        self._draining = [link for link in self._draining if link.table.waiting]
        return idle

    def _links(self) -> list[Any]:
        return [link for link in (self._link, *self._draining) if link is not None]

    # ----------------------------------------------------------------- the dynamic API

    def _answered_table(self) -> CallTable:
        """The connection that answered the caller's latest call."""
        return self._link.table  # type: ignore[no-any-return]

    def instance_id(self, ref: object) -> InstanceId:
        """The id of an instance the latest call returned, bound to its connection."""
        return self._answered_table().bind(ref)

    def _call_spec(self, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> CallSpec:
        target, _, member = name.rpartition(".")
        a, k = unwrap_args(args, kwargs)
        return CallSpec("call", target or self.service, member, a, k)

    def _new_spec(
        self, class_name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> CallSpec:
        a, k = unwrap_args(args, kwargs)
        return CallSpec("new", class_name, "", a, k)

    def _wrap(self, value: Any) -> Any:
        """Instance references anywhere in a result become proxies of this client."""
        if type(value) is InstanceRef:
            return self._proxies_of(self._answered_table()).get(value, self._proxy_type)
        if type(value) is list:
            return [self._wrap(v) for v in value]
        if type(value) is dict:
            return {k: self._wrap(v) for k, v in value.items()}
        return value

    def _wrap_new(self, class_name: str, ref: object) -> Any:
        obj = self._wrap(ref)
        if not isinstance(obj, self._proxy_type):
            raise ProtocolError(f"'new {class_name}' returned {ref!r}, not an instance")
        return obj

    def __repr__(self) -> str:
        return f"<graftcode {type(self).__name__} {self.url or self.module}>"
