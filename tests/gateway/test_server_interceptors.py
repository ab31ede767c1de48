"""Server interceptors on every driver (threads, trio over TCP, trio over WebSocket, in
memory): onion order, bound arguments and identity seen, a refusal before user code runs,
errors with the status the caller gets, async members."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from authplugins import EVENTS, Deny, Recorder
from graftcode_runtime import RemoteError, StatusCode, connect
from graftcode_runtime.gateway import GatewayConfig, load_interceptor
from graftcode_runtime.testing import GatewayThread, inmemory_gateway_config

HERE = Path(__file__).resolve().parent
PROBE = str(HERE / "authprobe.py")
PATHS = ("tcp", "tcp-trio", "ws", "inmemory")


@pytest.fixture(params=PATHS)
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    engine = {"tcp_engine": "trio"} if request.param == "tcp-trio" else {}
    config = GatewayConfig(
        auth_tokens=("t0ken",),
        interceptors=(Recorder("outer"), Deny(), Recorder("inner")),
        **engine,
    )
    EVENTS.clear()
    with inmemory_gateway_config(config), GatewayThread([PROBE], config) as g:
        path = request.param
        yield f"inmemory:{PROBE}" if path == "inmemory" else g.url(path.split("-")[0])


def test_onion_order_arguments_and_identity(url: str, tmp_path: Path) -> None:
    with connect(url, auth="t0ken") as c:
        assert c.call("touch", str(tmp_path / "f")) == "ran"
        assert c.call("awhoami") == "default"
    marker = repr((str(tmp_path / "f"),))
    assert EVENTS == [
        ("outer", "before", "touch", marker, "default"),
        ("inner", "before", "touch", marker, "default"),
        ("inner", "after", "touch", "'ran'", "OK"),
        ("outer", "after", "touch", "'ran'", "OK"),
        ("outer", "before", "awhoami", "()", "default"),
        ("inner", "before", "awhoami", "()", "default"),
        ("inner", "after", "awhoami", "'default'", "OK"),
        ("outer", "after", "awhoami", "'default'", "OK"),
    ]


def test_a_refusal_answers_before_user_code(url: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with connect(url, auth="t0ken") as c:
        with pytest.raises(RemoteError) as info:
            c.call("touch", str(marker), _metadata={"deny": "yes"})
        assert info.value.code is StatusCode.PERMISSION_DENIED
        assert info.value.message == "touch refused by policy"
        assert c.call("whoami") == "default"  # the connection carries on
    assert not marker.exists()
    # the inner interceptor never started; the outer one is told, with the caller's status
    assert EVENTS[:2] == [
        ("outer", "before", "touch", repr((str(marker),)), "default"),
        ("outer", "error", "touch", "Refuse", "PERMISSION_DENIED"),
    ]


def test_user_errors_reach_on_error_with_their_status(url: str) -> None:
    with connect(url, auth="t0ken") as c:
        with pytest.raises(RemoteError) as info:
            c.call("fail", "boom")
        assert info.value.code is StatusCode.INTERNAL
    assert EVENTS[-2:] == [
        ("inner", "error", "fail", "ValueError", "INTERNAL"),
        ("outer", "error", "fail", "ValueError", "INTERNAL"),
    ]


def test_load_interceptor_by_import_path() -> None:
    assert isinstance(load_interceptor("authplugins:Deny"), Deny)
    for bad, reason in (
        ("authplugins", "expected"),
        ("authplugins:nothing", "cannot load"),
        ("authplugins:EVENTS", "not a ServerInterceptor"),
    ):
        with pytest.raises(ValueError, match=reason):
            load_interceptor(bad)
