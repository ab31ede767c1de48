"""Stream credit of one connection (docs/protocol.md 5.5), kept by `Connection`.

Both directions are counted here, for both roles, so that the rules of 5.5.5 are enforced in
one place: an ITEM beyond the receiver's credit, a WINDOW of 0 or one that overflows the
credit, ITEM/END/WINDOW for a call that has no such stream. `Connection` calls the `received_*`
methods for what arrives and the `sending_*` ones before it encodes what goes out; the user of
the connection only reads `send_credit(id)` (may I send an item now?) and, on the gateway,
calls `Connection.accept_stream(id)` for a call whose member takes a stream parameter.
"""

from __future__ import annotations

from ._errors import LocalProtocolError, RemoteProtocolError, StatusCode
from ._events import MAX_CREDIT


class StreamCredits:
    """`send[id]`: items this side may still send on call `id`'s stream; `recv[id]`: items it
    has allowed the peer to send and not yet received; `ended` / `sent_end`: client streams
    whose END came (gateway) / went (client)."""

    __slots__ = ("ended", "initial_send", "recv", "send", "sent_end")

    def __init__(self) -> None:
        self.send: dict[int, int] = {}
        self.recv: dict[int, int] = {}
        self.ended: set[int] = set()  # gateway: client streams whose END came
        self.sent_end: set[int] = set()  # client: client streams whose END went
        self.initial_send = 0
        """A client's credit for a stream it has not heard of yet (the gateway's
        `stream_window`): client streams need no registration before their first item."""

    def forget(self, cid: int) -> None:
        """The call was answered: its streams are over."""
        self.send.pop(cid, None)
        self.recv.pop(cid, None)
        self.ended.discard(cid)
        self.sent_end.discard(cid)

    # ---- receiving -------------------------------------------------------------------------

    def received_item(self, cid: int) -> None:
        if cid in self.ended:
            raise RemoteProtocolError(f"ITEM for call {cid} after its END")
        credit = self.recv.get(cid)
        if credit is None:
            raise RemoteProtocolError(f"ITEM for call {cid}, which has no stream from this peer")
        if credit <= 0:
            raise RemoteProtocolError(
                f"ITEM for call {cid} beyond the credit granted",
                code=StatusCode.RESOURCE_EXHAUSTED,
            )
        self.recv[cid] = credit - 1

    def received_end(self, cid: int) -> None:
        if cid in self.ended:
            raise RemoteProtocolError(f"a second END for call {cid}")
        if cid not in self.recv:
            raise RemoteProtocolError(f"END for call {cid}, which takes no stream")
        self.ended.add(cid)

    def received_window(self, cid: int, n: int, *, known: bool) -> None:
        """`known`: the call may have a stream this side sends (a client's every call)."""
        credit = self.send.get(cid)
        if credit is None:
            if not known:
                raise RemoteProtocolError(f"WINDOW for call {cid}, which streams no result")
            credit = self.initial_send
        if credit + n > MAX_CREDIT:
            raise RemoteProtocolError(f"WINDOW for call {cid} raises its credit above 2**32-1")
        self.send[cid] = credit + n

    # ---- sending ---------------------------------------------------------------------------

    def send_credit(self, cid: int, *, client: bool) -> int:
        credit = self.send.get(cid)
        if credit is None:
            return self.initial_send if client else 0
        return credit

    def sending_item(self, cid: int, *, client: bool) -> None:
        if client and cid in self.sent_end:
            raise LocalProtocolError(f"the stream of call {cid} has ended")
        credit = self.send_credit(cid, client=client)
        if credit <= 0:
            raise LocalProtocolError(f"no credit to send an item of call {cid}")
        self.send[cid] = credit - 1

    def sending_window(self, cid: int, n: int) -> None:
        credit = self.recv.get(cid)
        if credit is None:
            raise LocalProtocolError(f"call {cid} has no stream to grant credit for")
        if not 1 <= n or credit + n > MAX_CREDIT:
            raise LocalProtocolError(f"WINDOW {n} for call {cid} is out of range")
        self.recv[cid] = credit + n
