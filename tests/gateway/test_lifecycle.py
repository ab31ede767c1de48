"""Deadlines, cancellation, disconnects and shutdown."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import trio
from graftcode_runtime import (
    ConnectionLost,
    DeadlineExceeded,
    GraftError,
    RemoteError,
    connect,
    connect_async,
)
from harness import GatewayThread

TRANSPORTS = ("tcp", "ws", "inmemory")


def _eventually(check: object, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_deadline_exceeded(gateway: GatewayThread, transport: str) -> None:
    with connect(gateway.url(transport), module="gwfixture") as c:
        with pytest.raises(DeadlineExceeded):
            c.call("delayed", 1, 5.0, _timeout=0.2)
        with pytest.raises(DeadlineExceeded):
            c.call("delayed_async", 1, 5.0, _timeout=0.2)
        assert c.call("echo", "after") == "after"


def test_gateway_enforces_deadline_itself(gateway: GatewayThread) -> None:
    """A caller that waits longer than its own deadline still gets DEADLINE_EXCEEDED from the
    gateway (the deadline travels with the call)."""
    from graftcode_runtime import CallSpec

    with connect(gateway.url("tcp"), module="gwfixture") as c:
        c.default_timeout = None
        spec = CallSpec("call", "gwfixture", "delayed_async", (1, 5.0), {})
        # send with a deadline the gateway sees, but wait locally without one
        call_timeout = 0.2
        client_wait = c._wait

        def wait_without_deadline(call_id: int, deadline: float | None) -> object:
            return client_wait(call_id, None)

        c._wait = wait_without_deadline  # type: ignore[method-assign]
        with pytest.raises(DeadlineExceeded, match=r"gwfixture\.delayed_async did not finish"):
            c.invoke(spec, timeout=call_timeout)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_cancel_mid_call_reaches_async_code(gateway: GatewayThread, transport: str) -> None:
    async def main() -> None:
        async with connect_async(gateway.url(transport), module="gwfixture") as client:
            before = len(await client.call("cancelled_calls"))
            with trio.move_on_after(0.3):
                await client.call("wait_forever")
            for _ in range(200):
                if len(await client.call("cancelled_calls")) > before:
                    break
                await trio.sleep(0.02)
            assert len(await client.call("cancelled_calls")) > before
            assert await client.call("echo", "still fine") == "still fine"

    trio.run(main)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_disconnect_mid_call_releases_instances(gateway: GatewayThread, transport: str) -> None:
    with connect(gateway.url(transport), module="gwfixture") as watcher:
        base = watcher.call("live_counters")
        c = connect(gateway.url(transport), module="gwfixture")
        counters = [c.new("Counter", i) for i in range(5)]
        assert watcher.call("live_counters") == base + 5
        worker = threading.Thread(target=lambda: _swallow(c.call, "delayed", 1, 2.0))
        worker.start()
        time.sleep(0.1)
        c.close()  # drops the connection with a call in flight
        worker.join(10)
        assert _eventually(lambda: watcher.call("live_counters") == base)
        del counters


def _swallow(fn: object, *args: object) -> None:
    try:
        fn(*args)  # type: ignore[operator]
    except GraftError:
        pass


def test_shutdown_finishes_calls_in_flight_then_goes_away() -> None:
    with GatewayThread(["gwfixture"]) as gw:
        c = connect(gw.url("tcp"), module="gwfixture")
        results: list[object] = []
        worker = threading.Thread(target=lambda: results.append(c.call("delayed", 42, 0.5)))
        worker.start()
        time.sleep(0.15)
        gw.stop()
        worker.join(10)
        assert results == [42]
        assert gw.stopped
        assert c.goaway is not None
        with pytest.raises((ConnectionLost, RemoteError)):
            c.call("echo", "late")
        c.close()
        with pytest.raises(OSError):
            socket.create_connection(gw.tcp_address, timeout=1).close()


def test_shutdown_cancels_calls_that_outlive_the_grace_period() -> None:
    from graftcode_runtime.gateway import GatewayConfig

    with GatewayThread(["gwfixture"], GatewayConfig(grace_period=0.2)) as gw:
        c = connect(gw.url("tcp"), module="gwfixture")
        errors: list[BaseException] = []
        worker = threading.Thread(target=lambda: _record(errors, c.call, "wait_forever"))
        worker.start()
        time.sleep(0.2)
        gw.stop()
        worker.join(10)
        assert gw.stopped
        assert errors and isinstance(errors[0], GraftError)
        c.close()


def _record(errors: list[BaseException], fn: object, *args: object) -> None:
    try:
        fn(*args)  # type: ignore[operator]
    except BaseException as e:
        errors.append(e)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sync_code_can_see_its_cancellation(gateway: GatewayThread, transport: str) -> None:
    async def main() -> None:
        async with connect_async(gateway.url(transport), module="gwfixture") as client:
            before = (await client.call("cancelled_calls")).count("poll_until_cancelled")
            with trio.move_on_after(0.2):
                await client.call("poll_until_cancelled", 30.0)
            for _ in range(200):
                seen = (await client.call("cancelled_calls")).count("poll_until_cancelled")
                if seen > before:
                    break
                await trio.sleep(0.02)
            assert seen > before

    trio.run(main)


def test_status_says_draining_while_calls_finish() -> None:
    import json
    import urllib.error
    import urllib.request

    import gwfixture
    from graftcode_runtime.gateway import GatewayConfig

    with GatewayThread(["gwfixture"], GatewayConfig(grace_period=30)) as gw:
        c = connect(gw.url("ws"), module="gwfixture")
        errors: list[BaseException] = []
        gwfixture._started.clear()
        worker = threading.Thread(target=lambda: _record(errors, c.call, "wait_forever"))
        worker.start()
        assert gwfixture._started.wait(10)
        assert gw._token is not None and gw.gateway is not None
        trio.from_thread.run_sync(gw.gateway.shutdown, trio_token=gw._token)

        def draining() -> bool:
            try:
                urllib.request.urlopen(gw.urls["http"] + "status", timeout=5)
            except urllib.error.HTTPError as e:
                return e.code == 503 and json.loads(e.read())["status"] == "draining"
            return False  # still 200: the drain has not begun yet

        # The HTTP listener used to close with the others, so a load balancer saw a refused
        # connection instead of the documented 503 "draining".
        assert _eventually(draining)
        time.sleep(0.3)  # a request racing the old listener's close could still get in
        assert draining()
        c.close()  # the gateway cancels the call of a closed connection; the drain ends
        worker.join(10)
        gw.stop()
        assert gw.stopped
