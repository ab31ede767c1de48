"""GET /metrics: after a known set of calls over the threaded TCP driver and the trio WebSocket
driver, the Prometheus text (parsed by prometheus_client's own parser) counts exactly those
calls, by module, member and status code, times each executed call once in the histogram, and
reports the connections, instances and calls in flight of the moment."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from graftcode_runtime import RemoteError, connect
from graftcode_runtime.gateway._metrics import BUCKETS
from harness import GatewayThread
from prometheus_client.parser import text_string_to_metric_families


@pytest.fixture
def gw() -> Iterator[GatewayThread]:
    with GatewayThread(["gwfixture", "calculator"]) as g:
        yield g


Metrics = dict[str, dict[tuple[tuple[str, str], ...], float]]


def scrape(gw: GatewayThread) -> Metrics:
    host, port = gw.urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/metrics")
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    assert resp.status == 200
    assert resp.getheader("content-type", "").startswith("text/plain; version=0.0.4")
    out: Metrics = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def calls(module: str, member: str, code: str) -> tuple[tuple[str, str], ...]:
    return (("code", code), ("member", member), ("module", module))


def test_counts_match_the_calls_made_over_both_drivers(gw: GatewayThread) -> None:
    tcp = connect(gw.url("tcp"), module="gwfixture")  # the threaded driver
    ws = connect(gw.url("ws"), module="gwfixture")  # the trio driver
    calc = connect(gw.url("tcp", "calculator"), module="calculator")
    for i in range(3):
        assert tcp.call("echo", str(i)) == str(i)
        assert ws.call("echo", str(i)) == str(i)
    for client in (tcp, ws):
        with pytest.raises(RemoteError):
            client.call("withdraw", 1, 2)  # a declared error: FAILED_PRECONDITION or alike
        with pytest.raises(RemoteError):
            client.call("crash", "boom")  # INTERNAL
    with pytest.raises(RemoteError):
        ws.call("echo")  # a missing argument: refused when the job binds it, before user code
    with pytest.raises(RemoteError):
        tcp.call("no_such_member")  # refused on arrival: not timed, and no label of its own
    assert calc.call("add", 1, 2) == 3
    counter = ws.new("Counter", 5)
    assert counter.call("increment") == 6

    # an answer counts as in flight until the gateway has seen its write complete
    m = until(gw, lambda m: m["graftcode_calls_in_flight"][()] == 0)
    total = m["graftcode_calls_total"]
    declared = next(k for k in total if k[1] == ("member", "gwfixture.withdraw"))[0][1]
    assert total == {
        calls("gwfixture", "gwfixture.echo", "OK"): 6,
        calls("gwfixture", "gwfixture.echo", "INVALID_ARGUMENT"): 1,
        calls("gwfixture", "gwfixture.withdraw", declared): 2,
        calls("gwfixture", "gwfixture.crash", "INTERNAL"): 2,
        calls("gwfixture", "(unknown)", "NOT_FOUND"): 1,
        calls("gwfixture", "Counter()", "OK"): 1,
        calls("gwfixture", "Counter.increment", "OK"): 1,
        calls("calculator", "calculator.add", "OK"): 1,
    }
    count = m["graftcode_call_duration_seconds_count"]
    echo = (("member", "gwfixture.echo"), ("module", "gwfixture"))
    assert count[echo] == 7
    assert not [k for k in count if ("member", "(unknown)") in k]
    buckets = m["graftcode_call_duration_seconds_bucket"]
    assert buckets[(("le", "+Inf"), *echo)] == 7
    assert len([k for k in buckets if k[1:] == echo]) == len(BUCKETS) + 1
    assert m["graftcode_call_duration_seconds_sum"][echo] >= 0
    assert m["graftcode_connections"][()] == 3
    assert m["graftcode_connections_total"][()] == 3
    assert m["graftcode_instances"][()] == 1
    received = m["graftcode_received_bytes_total"][()]
    sent = m["graftcode_sent_bytes_total"][()]
    assert received > 0 and sent > 0

    for client in (tcp, ws, calc):
        client.close()
    # the connections end on the gateway's side a moment later; their counts stay
    m = until(gw, lambda m: m["graftcode_connections"][()] == 0)
    assert m["graftcode_instances"][()] == 0
    assert m["graftcode_calls_total"] == total
    assert m["graftcode_received_bytes_total"][()] >= received
    assert m["graftcode_sent_bytes_total"][()] >= sent


def test_in_flight_calls_are_counted(gw: GatewayThread) -> None:
    """Two calls that only end when their connections do, one per driver: in flight while they
    run, none once the connections are gone."""
    clients = [
        connect(gw.url("ws"), module="gwfixture"),
        connect(gw.url("tcp"), module="gwfixture"),
    ]
    errors: list[BaseException] = []

    def wait(client: Any) -> None:
        try:
            client.call("wait_forever")
        except Exception as e:  # ConnectionLost once the test closes the client
            errors.append(e)

    threads = [threading.Thread(target=wait, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    until(gw, lambda m: m["graftcode_calls_in_flight"][()] == 2)
    for c in clients:
        c.close()
    for t in threads:
        t.join(30)
    m = until(gw, lambda m: m["graftcode_connections"][()] == 0)
    assert m["graftcode_calls_in_flight"][()] == 0
    assert len(errors) == 2


def until(gw: GatewayThread, ok: Callable[[Metrics], bool]) -> Metrics:
    """Scrape until `ok` holds (the gateway's threads catch up), or fail after many tries."""
    for _ in range(1000):
        m = scrape(gw)
        if ok(m):
            return m
        time.sleep(0.01)
    raise AssertionError(m)
