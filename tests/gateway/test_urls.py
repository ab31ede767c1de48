"""Gateway URLs and listen addresses."""

from __future__ import annotations

import pytest
from graftcode_runtime import InvalidURL, parse_url
from graftcode_runtime.gateway import parse_listen_address


@pytest.mark.parametrize(
    ("url", "transport", "tls", "host", "port", "path"),
    [
        ("tcp://127.0.0.1:7470", "tcp", False, "127.0.0.1", 7470, "/"),
        ("tls://example.com:443", "tcp", True, "example.com", 443, "/"),
        ("tcp+tls://example.com:9", "tcp", True, "example.com", 9, "/"),
        ("ws://h:1/graft?x=1", "ws", False, "h", 1, "/graft?x=1"),
        ("wss://h/", "ws", True, "h", 7471, "/"),
        ("tcp://[::1]:5", "tcp", False, "::1", 5, "/"),
    ],
)
def test_parse_url(url: str, transport: str, tls: bool, host: str, port: int, path: str) -> None:
    ep = parse_url(url)
    assert (ep.transport, ep.tls, ep.host, ep.port, ep.path) == (transport, tls, host, port, path)


def test_inmemory_url() -> None:
    ep = parse_url("inmemory:shop")
    assert (ep.transport, ep.module, ep.url) == ("inmemory", "shop", "inmemory:shop")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://h:1", "unknown scheme"),
        ("tcp://h", "no port"),
        ("tcp://:5", "no host"),
        ("tcp://h:99999", "port"),
        ("inmemory:", "name the module"),
    ],
)
def test_bad_urls(url: str, fragment: str) -> None:
    with pytest.raises(InvalidURL, match=fragment):
        parse_url(url)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:0", ("127.0.0.1", 0)),
        (":9000", ("127.0.0.1", 9000)),
        ("9000", ("127.0.0.1", 9000)),
        ("0.0.0.0", ("0.0.0.0", 7470)),
        ("[::1]:80", ("::1", 80)),
    ],
)
def test_listen_address(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen_address(text, 7470) == expected


def test_bad_listen_address() -> None:
    with pytest.raises(ValueError, match="port"):
        parse_listen_address("h:abc", 1)
