"""Three gateways behind nginx (deploy/nginx/graftcode.conf.in) under load from 50 callers over
TCP (nginx `stream`) and WebSocket (nginx `http`): balancing, kill -9 of one gateway, and a
rolling SIGTERM restart of all three (docs/deploy.md)."""

from __future__ import annotations

import signal
import threading
import time

import pytest
from cluster import Cluster, wait_until
from graftcode_runtime import Client, GraftError, RemoteObject, StatusCode, connect
from load import Load, NodeLoad, on_gateway

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nginx")]


def urls(cluster: Cluster) -> list[str]:
    """Two callers in three over TCP, one over WebSocket."""
    return [cluster.url("tcp"), cluster.url("tcp"), cluster.url("ws")]


def test_calls_spread_over_every_gateway_with_no_lost_or_crossed_answer(cluster: Cluster) -> None:
    load = Load(urls(cluster), callers=50, calls=20).start()
    load.join()
    assert load.failures == []
    assert load.crossed == []
    assert load.ok == 1000
    assert sum(load.per_gateway.values()) == 1000
    # every gateway took its share of the connections, and so of the calls
    assert set(load.per_gateway) == {g.pid for g in cluster.gateways}, load.per_gateway


def instance_on(cluster: Cluster, pid: int) -> tuple[Client, RemoteObject]:
    """A client whose connection (and so its Tally instance) landed on gateway `pid`."""
    make = lambda: connect(cluster.url("tcp"), module="clustermod", timeout=10)  # noqa: E731
    (client,) = on_gateway(make, lambda c: c.call("whoami"), pid, 1)
    return client, client.new("Tally")


def test_kill_9_fails_only_its_calls_in_flight_and_callers_move_on(cluster: Cluster) -> None:
    victim, survivor = cluster.gateways[0], cluster.gateways[1]
    doomed_client, doomed = instance_on(cluster, victim.pid)
    kept_client, kept = instance_on(cluster, survivor.pid)
    doomed.call("add", 1)
    load = Load(urls(cluster), callers=30, delay=0.05, timeout=5.0).start()
    try:
        load.wait_ok(300)
        assert load.per_gateway[victim.pid] > 0
        victim.kill()
        load.wait_ok(600)  # the run goes on, through the two others
    finally:
        load.stop()
        load.join()
    assert load.crossed == []
    # only calls that were on the dead gateway failed, each UNAVAILABLE within its deadline,
    # and each of those callers failed once: its next call reconnected through nginx
    assert load.failures, "some calls were in flight on the killed gateway"
    for f in load.failures:
        assert (f.code, f.gateway) == ("UNAVAILABLE", victim.pid), (f, cluster.logs()[-6000:])
        assert f.seconds < load.timeout, f
    callers = [f.caller for f in load.failures]
    assert len(callers) == len(set(callers)), load.failures

    # an instance on the dead gateway fails clearly, and stays gone; new instances work
    with pytest.raises(GraftError) as first:
        doomed.call("add", 1)
    assert first.value.code in (StatusCode.UNAVAILABLE, StatusCode.NOT_FOUND)
    with pytest.raises(GraftError) as again:
        doomed.call("add", 1)
    assert again.value.code is StatusCode.NOT_FOUND
    fresh = doomed_client.new("Tally")
    assert fresh.call("add", 5) == 5
    assert fresh.call("gateway") != victim.pid
    # an instance on a gateway that stayed up keeps its state
    assert kept.call("add", 2) == 2
    assert kept.call("add", 2) == 4
    doomed_client.close()
    kept_client.close()


@pytest.mark.node
def test_rolling_sigterm_restart_of_every_gateway_fails_no_call(cluster: Cluster) -> None:
    load = Load(urls(cluster), callers=30, delay=0.02, timeout=10.0).start()
    node = NodeLoad(cluster, callers=10)  # the TypeScript client beside the Python one
    old = [g.pid for g in cluster.gateways]
    try:
        load.wait_ok(200)
        first = cluster.gateways[0]
        make = lambda: connect(cluster.url("tcp"), module="clustermod", timeout=20)  # noqa: E731
        (slow_client,) = on_gateway(make, lambda c: c.call("whoami"), first.pid, 1)
        answers: list[int] = []  # of one 1 s call in flight when the drain starts
        slow_call = threading.Thread(
            target=lambda: answers.append(slow_client.call("slow_whoami", 1.0))
        )
        slow_call.start()
        time.sleep(0.3)  # the call is running on the first gateway
        first.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        # draining: /status says so (a load balancer's active check stops sending) while the
        # call in flight goes on, then it is answered normally by the draining gateway
        wait_until(lambda: first.status()[0] == 503, "draining status")
        assert first.status()[1]["status"] == "draining"
        slow_call.join(30)
        assert answers == [first.pid]
        slow_client.close()
        for g in cluster.gateways:
            # drains: GOAWAY, calls in flight finish; the first one is draining already
            assert g.terminate(signalled=g is first) == 0, g.log()
            g.start()  # the new process, on the same ports
            # the procedure: drain the next one only once nginx sends to this one again
            for transport in ("tcp", "ws"):  # two upstream groups, each with its own state
                url = cluster.url(transport)
                wait_until(lambda g=g, url=url: g.in_rotation(url), f"{transport} rotation")
            load.wait_ok(200)  # steady load between two restarts
    finally:
        load.stop()
        load.join()
        ts = node.finish()
    assert load.failures == []
    assert load.crossed == []
    assert {g.pid for g in cluster.gateways}.isdisjoint(old)
    # after the restarts every call was served by the new processes
    assert set(load.per_gateway) - set(old), load.per_gateway
    assert ts["failures"] == [] and ts["crossed"] == 0, ts
    assert ts["ok"] > 0 and set(map(int, ts["gateways"])) - set(old), ts
