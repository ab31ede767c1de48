"""Failover of one caller through nginx when its gateway dies with calls in flight: a member
marked idempotent is retried on another gateway (docs/deploy.md, "Retry policy"); any other
call fails UNAVAILABLE and is never resent."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import Cluster

from graftcode_runtime import Client, GraftError, StatusCode, connect

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nginx")]


def clients_on(cluster: Cluster, pid: int, n: int) -> list[Client]:
    """`n` clients whose connections nginx sent to gateway `pid` (least_conn spreads new
    connections, so the others stay open until then)."""
    found: list[Client] = []
    others: list[Client] = []
    try:
        while len(found) < n:
            assert len(others) < 100, f"no connection reached gateway {pid}"
            client = connect(cluster.url("tcp"), module="clustermod", timeout=20)
            (found if client.call("whoami") == pid else others).append(client)
    finally:
        for c in others:
            c.close()
    return found


def test_in_flight_idempotent_call_is_retried_elsewhere_and_others_fail(cluster: Cluster) -> None:
    victim = cluster.gateways[0]
    retried, plain = clients_on(cluster, victim.pid, 2)
    outcome: dict[str, object] = {}

    def run(name: str, call: object) -> None:
        try:
            outcome[name] = call()  # type: ignore[operator]
        except GraftError as e:
            outcome[name] = e

    threads = [
        threading.Thread(target=run, args=("idempotent", lambda: retried.call(
            "slow_whoami", 1.0, _idempotent=True))),
        threading.Thread(target=run, args=("plain", lambda: plain.call("echo", "x", 1.0))),
    ]  # fmt: skip
    for t in threads:
        t.start()
    time.sleep(0.3)  # both calls are running on the victim (each takes 1 s)
    victim.kill()
    for t in threads:
        t.join(30)
    pid = outcome["idempotent"]
    assert isinstance(pid, int) and pid != victim.pid, outcome
    error = outcome["plain"]
    assert isinstance(error, GraftError) and error.code is StatusCode.UNAVAILABLE, outcome
    retried.close()
    plain.close()
