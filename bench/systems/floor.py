"""The floor: length-prefixed msgpack over blocking sockets, a thread per connection, no framework.

This is the least a Python RPC over TCP can cost here; graftcode's sequential latency is compared
against it.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Any

import msgpack
import service
from _main import main, ready
from measure import Settings, run_sync

_LEN = struct.Struct(">I")


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        r = sock.recv_into(view[got:], n - got)
        if r == 0:
            raise ConnectionError("closed")
        got += r
    return bytes(buf)


def _recv_msg(sock: socket.socket) -> Any:
    (n,) = _LEN.unpack(_recv_exact(sock, 4))
    return msgpack.unpackb(_recv_exact(sock, n))


def _send_msg(sock: socket.socket, obj: Any) -> None:
    body = msgpack.packb(obj)
    sock.sendall(_LEN.pack(len(body)) + body)


FUNCS = {"add": service.add, "echo": service.echo, "get_user": service._user_dict}


def _handle(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            cid, method, args = _recv_msg(conn)
            _send_msg(conn, [cid, None, FUNCS[method](*args)])
    except (ConnectionError, OSError, ValueError):
        conn.close()


def serve() -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    ready(srv.getsockname()[1])
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=_handle, args=(conn,), daemon=True).start()


class FloorCaller:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.n = 0

    def _call(self, method: str, *args: Any) -> Any:
        self.n += 1
        _send_msg(self.sock, [self.n, method, args])
        _, _, result = _recv_msg(self.sock)
        return result

    def add(self, a: int, b: int) -> int:
        return int(self._call("add", a, b))

    def echo(self, data: bytes) -> bytes:
        return bytes(self._call("echo", data))

    def get_user(self, id: int) -> Any:
        return self._call("get_user", id)

    def close(self) -> None:
        self.sock.close()


def client(port: str, s: Settings) -> dict[str, Any]:
    return run_sync(lambda: FloorCaller(int(port)), s)


if __name__ == "__main__":
    main(serve, client)
