"""Test helpers for programs that host or call graftcode modules, in the spirit of
`trio.testing`: a gateway in a thread or in its own process, and a raw peer that speaks
Hypertube frames by hand.

    from graftcode_runtime.testing import GatewayThread, RawPeer

    with GatewayThread(["calculator"]) as gw, RawPeer(gw.url("tcp")) as peer:
        assert peer.hello("calculator")[0] == 0
"""

from ._peer import RawPeer, frame, hello
from ._process import GatewayProcess, free_ports, rss_bytes, stop_process
from ._thread import GatewayThread, inmemory_gateway_config
from ._tls import self_signed_cert

__all__ = [
    "GatewayProcess",
    "GatewayThread",
    "RawPeer",
    "frame",
    "free_ports",
    "hello",
    "inmemory_gateway_config",
    "rss_bytes",
    "self_signed_cert",
    "stop_process",
]
