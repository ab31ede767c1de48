"""The sans-IO Hypertube state machine, in h11's style: bytes in, events out; events in, bytes
out. It never touches a socket, a clock or an event loop, so the trio adapters, the blocking
client and the in-memory transport all share it, and it is tested without any I/O.

    conn = Connection(CLIENT)
    sock.sendall(conn.send(Hello(module="calculator")))
    conn.receive_data(sock.recv(65536))
    event = conn.next_event()          # Hello, Result, Error, ... or NEED_DATA

What it enforces (docs/protocol.md): the handshake order, the major version, message
directions, strictly increasing call ids, one answer per call, GOAWAY semantics, the receive
limits it announced and the send limit the peer announced. What it leaves to its user: timers
(deadlines, handshake timeout), running calls, answering PING, and the per-connection
concurrency limit (check `call_limit_exceeded` when a Call arrives).
"""

from __future__ import annotations

import enum
from collections import deque

from ._codec import ENCODERS, KIND_RESULT, Decoder, message_from_wire, message_kind, new_packer
from ._errors import LocalProtocolError, RemoteProtocolError, StatusCode
from ._events import (
    DEFAULT_STREAM_WINDOW,
    FEATURE_STREAM,
    NEED_DATA,
    PROTOCOL_MAJOR,
    Call,
    Cancel,
    ConnectionClosed,
    End,
    Error,
    Event,
    GoAway,
    Hello,
    Item,
    Message,
    NeedData,
    Ping,
    Pong,
    Release,
    Result,
    Window,
)
from ._framing import PREFIX, FrameDecoder
from ._instances import InstanceTable
from ._limits import Limits
from ._streams import StreamCredits

_pack_prefix = PREFIX.pack
# RESULT values of bytes from this size on are framed without passing through the Packer; msgpack
# writes them with a bin 32 header (0xc6 and a 4-byte length), as `_encode_bytes_result` does
_LARGE_BYTES = 65536
_RESULT_HEAD = bytes((0x93, KIND_RESULT))  # a 3-element array, then the kind
_BIN32 = b"\xc6"


class Role(enum.Enum):
    CLIENT = "client"
    SERVER = "server"


CLIENT = Role.CLIENT
SERVER = Role.SERVER


class Framing(enum.Enum):
    """STREAM: 4-byte length prefixes (TCP, TLS, in memory). MESSAGE: one message per transport
    message, no prefix (WebSocket): `receive_data` takes one whole message per call."""

    STREAM = "stream"
    MESSAGE = "message"


class State(enum.Enum):
    HANDSHAKE = "handshake"  # HELLOs not yet exchanged
    OPEN = "open"
    CLOSING = "closing"  # a graceful GOAWAY went one way or the other; answers still flow
    CLOSED = "closed"  # the transport ended, or a failing GOAWAY was sent or received
    ERROR = "error"  # the peer broke the protocol; only a GOAWAY may still be sent


class Connection:
    """One end of one Hypertube connection.

    `limits` are what this side accepts; they are announced by the HELLO this side sends (a
    HELLO's own `limits` replace them). `peer_limits` are the peer's, known after its HELLO.
    `calls_in_flight` holds the ids of calls sent (client) or received (server) and not yet
    answered. A server's `instances` table is where the gateway keeps the connection's
    instances; RELEASE messages are applied to it automatically.
    """

    def __init__(
        self, role: Role, limits: Limits | None = None, *, framing: Framing = Framing.STREAM
    ) -> None:
        self.role = role
        self.framing = framing
        self.limits = limits if limits is not None else Limits()
        self.peer_limits = Limits()
        self.state = State.HANDSHAKE
        self.our_hello: Hello | None = None
        self.their_hello: Hello | None = None
        self.goaway_sent: GoAway | None = None
        self.goaway_received: GoAway | None = None
        self.calls_in_flight: set[int] = set()
        self.last_call_id = 0
        self.instances = InstanceTable(self.limits.max_instances)
        self._is_client = role is Role.CLIENT
        self._stream = framing is Framing.STREAM
        self._packer = new_packer(autoreset=False)
        self._decoder = Decoder(self.limits)
        self._frames = FrameDecoder(self.limits.max_message_size)
        self._messages: deque[bytes] = deque()
        self._eof = False
        self._error: RemoteProtocolError | None = None
        self._next_id = 1
        self.streams = False
        """The feature `stream` is in effect (both HELLOs list it; docs/protocol.md 5.5)."""
        self._credits = StreamCredits()

    # --------------------------------------------------------------------------------------
    # Receiving
    # --------------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Feed received bytes (STREAM) or one received message (MESSAGE); `b""` means the
        transport ended."""
        if self._eof:
            if data:
                raise LocalProtocolError("data received after the end of the transport")
            return
        if not data:
            self._eof = True
        elif self.framing is Framing.STREAM:
            self._frames.feed(data)
        else:
            self._messages.append(data)

    def next_event(self) -> Event | NeedData:
        """The next event, or NEED_DATA. Raises RemoteProtocolError (and stays in ERROR) when
        the peer broke the protocol: send `GoAway(conn.last_call_id, e.code, e.message)` and
        close the transport."""
        if self._error is not None:
            raise self._error
        while True:
            try:
                payload = self._frames.next_frame() if self._stream else self._next_message()
                if payload is None:
                    if not self._eof:
                        return NEED_DATA
                    self.state = State.CLOSED
                    return ConnectionClosed(truncated=self._frames.buffered > 0)
                event = self._received(message_from_wire(self._decoder.unpack(payload)))
            except RemoteProtocolError as e:
                self.state = State.ERROR
                self._error = e
                raise
            if event is not None:
                return event

    def _next_message(self) -> bytes | None:
        if not self._messages:
            return None
        payload = self._messages.popleft()
        if len(payload) > self.limits.max_message_size:
            raise RemoteProtocolError(
                f"message of {len(payload)} bytes exceeds the limit of "
                f"{self.limits.max_message_size} bytes",
                code=StatusCode.RESOURCE_EXHAUSTED,
            )
        return payload

    def _received(self, msg: Message) -> Message | None:
        """Apply a received message to the state; None means it is dropped silently."""
        # Per-message hot path: `type(msg) is X` on a local is cheaper than isinstance chains,
        # but mypy cannot narrow through `t`, hence the ignores below (the checks are exact).
        t = type(msg)
        state = self.state
        if state is State.OPEN or state is State.CLOSING:
            if self._is_client:
                if t is Result or t is Error:
                    cid = msg.id  # type: ignore[union-attr]
                    if cid not in self.calls_in_flight:
                        raise RemoteProtocolError(f"answer to call {cid}, which is not in flight")
                    self.calls_in_flight.discard(cid)
                    c = self._credits
                    # a call with no stream left nothing to forget: skip the call (hot path)
                    if c.send or c.recv or c.ended or c.sent_end:
                        c.forget(cid)
                    return msg
                if t is Item or t is Window:
                    return self._client_stream_message(msg)  # type: ignore[arg-type]
            elif t is Call:
                return self._received_call(msg)  # type: ignore[arg-type]
            elif t is Cancel:
                return msg if msg.id in self.calls_in_flight else None  # type: ignore[union-attr]
            elif t is Release:
                self.instances.release(msg.ids)  # type: ignore[union-attr]
                return msg
            elif t is Item or t is End or t is Window:
                return self._server_stream_message(msg)  # type: ignore[arg-type]
            if t is Ping or t is Pong:
                return msg
            if t is GoAway:
                return self._received_goaway(msg)  # type: ignore[arg-type]
            if t is Hello:
                raise RemoteProtocolError("a second HELLO on an open connection")
            raise RemoteProtocolError(
                f"{message_kind(msg)} is not allowed from a {'server' if self._is_client else 'client'}"
            )
        if state is State.HANDSHAKE:
            if t is GoAway and self._is_client:  # a gateway may refuse the handshake this way
                return self._received_goaway(msg)  # type: ignore[arg-type]
            if self._is_client and self.our_hello is None:
                raise RemoteProtocolError(
                    f"{message_kind(msg)} before the client's HELLO",
                    code=StatusCode.FAILED_PRECONDITION,
                )
            if t is not Hello or self.their_hello is not None:
                what = "a second HELLO" if t is Hello else message_kind(msg)
                raise RemoteProtocolError(
                    f"expected HELLO, got {what}", code=StatusCode.FAILED_PRECONDITION
                )
            assert isinstance(msg, Hello)
            self.their_hello = msg
            self.peer_limits = msg.limits
            if self._is_client:
                self.state = State.OPEN
                self.streams = FEATURE_STREAM in msg.features
                self._credits.initial_send = msg.stream_window or DEFAULT_STREAM_WINDOW
            return msg
        # CLOSED: the transport is going away; whatever still arrives has no one to act on it.
        return None

    def _received_call(self, call: Call) -> Call | None:
        cid = call.id
        if cid <= self.last_call_id:
            raise RemoteProtocolError(
                f"call id {cid} is not greater than the previous id {self.last_call_id}"
            )
        self.last_call_id = cid
        if self.goaway_received is not None:
            raise RemoteProtocolError("CALL after the client's GOAWAY")
        if self.goaway_sent is not None and cid > self.goaway_sent.last_id:
            return None  # crossed our GOAWAY; the client fails it itself as retry-safe
        self.calls_in_flight.add(cid)
        if call.window is not None and self.streams:
            self._credits.send[cid] = call.window
        return call

    def _need_streams(self, msg: Message) -> None:
        if not self.streams:
            raise RemoteProtocolError(
                f"unknown message kind {message_kind(msg)} (the stream feature is not in effect)",
                code=StatusCode.UNIMPLEMENTED,
            )

    def _client_stream_message(self, msg: Item | Window) -> Message:
        self._need_streams(msg)
        cid = msg.id
        if cid not in self.calls_in_flight:
            raise RemoteProtocolError(f"{message_kind(msg)} for call {cid}, which is not in flight")
        if type(msg) is Item:
            self._credits.received_item(cid)
        else:
            self._credits.received_window(cid, msg.n, known=True)  # type: ignore[union-attr]
        return msg

    def _server_stream_message(self, msg: Item | End | Window) -> Message | None:
        self._need_streams(msg)
        cid = msg.id
        if cid > self.last_call_id:
            raise RemoteProtocolError(f"{message_kind(msg)} for call {cid}, which was never made")
        if cid not in self.calls_in_flight:
            return None  # crossed our answer on the wire: harmless
        t = type(msg)
        if t is Item:
            self._credits.received_item(cid)
        elif t is End:
            self._credits.received_end(cid)
        else:
            self._credits.received_window(cid, msg.n, known=False)  # type: ignore[union-attr]
        return msg

    def _received_goaway(self, g: GoAway) -> GoAway:
        self.goaway_received = g
        if self._is_client:
            # Calls above last_id will never be answered; the adapter fails them (retry-safe).
            self.calls_in_flight = {i for i in self.calls_in_flight if i <= g.last_id}
        if g.code is StatusCode.OK and self.state is not State.HANDSHAKE:
            self.state = State.CLOSING
        else:
            self.state = State.CLOSED
        return g

    # --------------------------------------------------------------------------------------
    # Sending
    # --------------------------------------------------------------------------------------

    def next_call_id(self) -> int:
        """Reserve the next call id (client). Send its CALL before reserving another, or at
        least in increasing order: the protocol requires ids to increase."""
        cid = self._next_id
        self._next_id = cid + 1
        return cid

    def send(self, event: Message) -> bytes:
        """The bytes to write for `event`. Raises LocalProtocolError (with the state unchanged
        and nothing to write) when the protocol or the peer's limits forbid it."""
        t = type(event)  # exact-type dispatch on the hot path; see _received for the ignores
        if t is Call:
            return self.send_call(event)  # type: ignore[arg-type]
        if t is Result or t is Error:
            return self._send_answer(event)  # type: ignore[arg-type]
        state = self.state
        if t is GoAway:
            if state is State.CLOSED and self.goaway_sent is not None:
                raise LocalProtocolError("a GOAWAY was already sent")
            g: GoAway = event  # type: ignore[assignment]
            if (
                g.code is StatusCode.OK
                and not self._is_client
                and self.calls_in_flight
                and max(self.calls_in_flight) > g.last_id
            ):
                # The client would drop those calls as never processed, then get their answers.
                raise LocalProtocolError(
                    f"GOAWAY last_id {g.last_id} is below call {max(self.calls_in_flight)}, "
                    "which is already running"
                )
            data = self._encode(event)
            self.goaway_sent = event  # type: ignore[assignment]
            if event.code is StatusCode.OK and state in (State.OPEN, State.CLOSING):  # type: ignore[union-attr]
                self.state = State.CLOSING
            else:
                self.state = State.CLOSED
            return data
        if state is State.ERROR or state is State.CLOSED:
            raise LocalProtocolError(f"cannot send {message_kind(event)}: connection {state.value}")
        if t is Hello:
            return self._send_hello(event)  # type: ignore[arg-type]
        if state is State.HANDSHAKE:
            raise LocalProtocolError(f"cannot send {message_kind(event)} before the handshake")
        if t is Ping or t is Pong:
            return self._encode(event)
        if t is Item or t is End or t is Window:
            return self._send_stream_message(event)  # type: ignore[arg-type]
        if t is Cancel or t is Release:
            if not self._is_client:
                raise LocalProtocolError(f"only a client sends {message_kind(event)}")
            return self._encode(event)
        raise TypeError(f"not a protocol message: {event!r}")

    def send_call(self, call: Call) -> bytes:
        """`send` for a CALL, without its dispatch on the type (the client's hot path)."""
        if not self._is_client:
            raise LocalProtocolError("only a client sends CALL")
        if self.state is not State.OPEN:
            if self.state is State.HANDSHAKE:
                raise LocalProtocolError("cannot call before the handshake completes")
            raise LocalProtocolError(
                f"cannot call: connection {self.state.value}", code=StatusCode.UNAVAILABLE
            )
        cid = call.id
        if cid <= self.last_call_id:
            raise LocalProtocolError(
                f"call id {cid} is not greater than the previous id {self.last_call_id}"
            )
        if call.window is not None and not self.streams:
            raise LocalProtocolError(
                "the gateway does not support streams (feature 'stream' not in effect)",
                code=StatusCode.FAILED_PRECONDITION,
            )
        data = self._encode(call)
        self.last_call_id = cid
        if cid >= self._next_id:
            self._next_id = cid + 1
        self.calls_in_flight.add(cid)
        if call.window is not None:
            self._credits.recv[cid] = call.window
        return data

    def _send_stream_message(self, msg: Item | End | Window) -> bytes:
        if not self.streams:
            raise LocalProtocolError(
                f"cannot send {message_kind(msg)}: the stream feature is not in effect"
            )
        cid = msg.id
        if cid not in self.calls_in_flight:
            raise LocalProtocolError(f"call {cid} is not in flight")
        t = type(msg)
        credits = self._credits
        if t is Item:
            before = credits.send_credit(cid, client=self._is_client)
            credits.sending_item(cid, client=self._is_client)
            try:
                return self._encode(msg)
            except BaseException:
                credits.send[cid] = before
                raise
        if t is End:
            if not self._is_client:
                raise LocalProtocolError("only a client sends END")
            if cid in credits.sent_end:
                raise LocalProtocolError(f"the stream of call {cid} has already ended")
            data = self._encode(msg)
            credits.sent_end.add(cid)
            return data
        n = msg.n  # type: ignore[union-attr]
        credits.sending_window(cid, n)
        try:
            return self._encode(msg)
        except BaseException:
            credits.recv[cid] -= n
            raise

    def _send_answer(self, answer: Result | Error) -> bytes:
        if self._is_client:
            raise LocalProtocolError("only a server answers calls")
        if answer.id not in self.calls_in_flight:
            raise LocalProtocolError(f"call {answer.id} is not in flight")
        if self.state is State.ERROR or (self.state is State.CLOSED and self.goaway_sent):
            raise LocalProtocolError(f"cannot answer: connection {self.state.value}")
        value = answer.value if type(answer) is Result else None
        if type(value) is bytes and len(value) >= _LARGE_BYTES and self._stream:
            data = self._encode_bytes_result(answer)  # type: ignore[arg-type]
        else:
            data = self._encode(answer)
        self.calls_in_flight.discard(answer.id)
        if self.streams:
            self._credits.forget(answer.id)
        return data

    def _send_hello(self, hello: Hello) -> bytes:
        if self.our_hello is not None:
            raise LocalProtocolError("HELLO was already sent")
        if hello.major != PROTOCOL_MAJOR:
            raise LocalProtocolError(f"this implementation speaks protocol {PROTOCOL_MAJOR}.x")
        if not self._is_client and self.their_hello is None:
            raise LocalProtocolError("a server sends its HELLO after the client's")
        data = self._encode(hello)
        self.our_hello = hello
        if not self._is_client:
            self.streams = FEATURE_STREAM in hello.features
        if hello.limits != self.limits:
            self.limits = hello.limits
            self._decoder = Decoder(hello.limits)
            self._frames.max_size = hello.limits.max_message_size
            self.instances.max_instances = hello.limits.max_instances
        if not self._is_client:
            self.state = State.OPEN
        return data

    def _encode(self, event: Message) -> bytes:
        # The message is packed into the Packer's reused buffer and copied out once, prefix
        # included: returning the packed bytes and then prepending the prefix would allocate
        # and copy a large message twice, which costs ~20x more for 1 MiB (page faults).
        packer = self._packer
        try:
            packer.pack(ENCODERS[type(event)](event))
        except KeyError:
            packer.reset()
            raise TypeError(f"not a protocol message: {event!r}") from None
        except (TypeError, ValueError, OverflowError) as e:
            # ints beyond 64 bits, values that are not wire values, objects nested too deeply
            packer.reset()
            raise LocalProtocolError(f"cannot encode {message_kind(event)}: {e}") from None
        view = packer.getbuffer()
        try:
            n = len(view)
            if n > self.peer_limits.max_message_size:
                raise LocalProtocolError(
                    f"{message_kind(event)} of {n} bytes exceeds the peer's limit of "
                    f"{self.peer_limits.max_message_size} bytes",
                    code=StatusCode.RESOURCE_EXHAUSTED,
                )
            return _pack_prefix(n) + view if self._stream else bytes(view)
        finally:
            view.release()
            packer.reset()

    def _encode_bytes_result(self, result: Result) -> bytes:
        """A RESULT whose value is large bytes, framed with one copy of them instead of two
        (into the Packer, then out with the prefix): the envelope is packed alone and the value
        joined after its bin 32 header, the bytes msgpack itself writes for it."""
        value: bytes = result.value
        packer = self._packer
        try:
            packer.pack(result.id)
            head = packer.bytes()
        except (TypeError, ValueError, OverflowError) as e:
            raise LocalProtocolError(f"cannot encode RESULT: {e}") from None
        finally:
            packer.reset()
        n = 1 + 1 + len(head) + 5 + len(value)  # array header, kind, id, bin 32 header, value
        if n > self.peer_limits.max_message_size:
            raise LocalProtocolError(
                f"RESULT of {n} bytes exceeds the peer's limit of "
                f"{self.peer_limits.max_message_size} bytes",
                code=StatusCode.RESOURCE_EXHAUSTED,
            )
        envelope = _pack_prefix(n) + _RESULT_HEAD + head + _BIN32 + _pack_prefix(len(value))
        return b"".join((envelope, value))

    # --------------------------------------------------------------------------------------
    # Queries
    # --------------------------------------------------------------------------------------

    def send_credit(self, call_id: int) -> int:
        """Items this side may send now on call `call_id`'s stream (0: wait for a WINDOW)."""
        return self._credits.send_credit(call_id, client=self._is_client)

    def accept_stream(self, call_id: int) -> None:
        """Gateway: call `call_id` takes a client stream; its ITEMs and END become legal, with
        the `stream_window` of our HELLO as the initial credit."""
        hello = self.our_hello
        window = hello.stream_window if hello is not None else 0
        self._credits.recv[call_id] = window or DEFAULT_STREAM_WINDOW

    @property
    def call_limit_exceeded(self) -> bool:
        """Server: more calls in flight than `limits.max_concurrent_calls`. Check it when a Call
        arrives and answer that call with Error RESOURCE_EXHAUSTED (the connection stays)."""
        return len(self.calls_in_flight) > self.limits.max_concurrent_calls

    @property
    def can_close(self) -> bool:
        """True when nothing more is expected: the connection ended, failed, or a GOAWAY went
        either way and every call in flight has been answered."""
        if self.state in (State.CLOSED, State.ERROR):
            return True
        return self.state is State.CLOSING and not self.calls_in_flight

    def goaway_for(self, error: RemoteProtocolError) -> GoAway:
        """The GOAWAY that reports `error` to the peer: `last_id` is the highest call id this
        side accepted (server) or sent (client), 0 before any call."""
        return GoAway(self.last_call_id, error.code, error.message)
