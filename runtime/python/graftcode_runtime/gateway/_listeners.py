"""Listening sockets: what `trio.open_tcp_listeners` opens, optionally in a SO_REUSEPORT group.

With SO_REUSEPORT (Linux) several processes each hold their own listening socket on one port and
the kernel spreads incoming connections over them by a hash of the connection's addresses, so
every process accepts only its share and no accept wakes the others (`graftc serve --workers`).
"""

from __future__ import annotations

import errno
import socket

import trio

REUSE_PORT_AVAILABLE = hasattr(socket, "SO_REUSEPORT")


async def open_listeners(host: str, port: int, *, reuse_port: bool) -> list[trio.SocketListener]:
    if not reuse_port:
        return await trio.open_tcp_listeners(port, host=host)
    infos = await trio.socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    listeners: list[trio.SocketListener] = []
    try:
        for family, kind, proto, _, addr in infos:
            sock = trio.socket.socket(family, kind, proto)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                await sock.bind(addr)
                sock.listen(socket.SOMAXCONN)
            except BaseException:
                sock.close()
                raise
            listeners.append(trio.SocketListener(sock))
    except BaseException:
        for listener in listeners:
            listener.socket.close()
        raise
    if not listeners:
        raise OSError(errno.EADDRNOTAVAIL, f"no address to listen on for {host}")
    return listeners


def reserve_port(host: str, port: int) -> socket.socket:
    """A bound, never listening SO_REUSEPORT socket on (host, port): it fixes the port when 0
    was asked for (its number is `getsockname()[1]`) and keeps it out of other users' hands
    while the worker processes come and go; a socket that does not listen gets no connections."""
    family, kind, proto, _, addr = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(addr)
    except BaseException:
        sock.close()
        raise
    return sock
