"""Failover of callers through nginx when their gateway dies with calls in flight: a member
marked @idempotent is retried on another gateway (docs/deploy.md, "Retry policy"), by the
dynamic client (`_idempotent=True`) and by a generated package (from the IDL annotation); any
other call fails UNAVAILABLE and is never resent."""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cluster import HERE, Cluster
from graftcode_runtime import GraftError, StatusCode, connect
from load import on_gateway

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nginx")]


def kill_during(cluster: Cluster, calls: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Start `calls` (each runs 1 s on the first gateway), kill -9 that gateway meanwhile, and
    return what each call returned or raised."""
    outcome: dict[str, object] = {}

    def run(name: str, call: Callable[[], object]) -> None:
        try:
            outcome[name] = call()
        except GraftError as e:
            outcome[name] = e

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    time.sleep(0.3)  # the calls are running on the victim now (each takes 1 s)
    cluster.gateways[0].kill()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a call hung"
    return outcome


def check(outcome: dict[str, object], victim: int) -> None:
    pid = outcome["idempotent"]
    assert isinstance(pid, int) and pid != victim, outcome  # retried on a live gateway
    error = outcome["plain"]
    assert isinstance(error, GraftError) and error.code is StatusCode.UNAVAILABLE, outcome


def test_the_dynamic_client_retries_only_calls_marked_idempotent(cluster: Cluster) -> None:
    victim = cluster.gateways[0].pid
    make = lambda: connect(cluster.url("tcp"), module="clustermod", timeout=20)  # noqa: E731
    retried, plain = on_gateway(make, lambda c: c.call("whoami"), victim, 2)
    outcome = kill_during(cluster, {
        "idempotent": lambda: retried.call("slow_whoami", 1.0, _idempotent=True),
        "plain": lambda: plain.call("echo", "x", 1.0),
    })  # fmt: skip
    check(outcome, victim)
    retried.close()
    plain.close()


def test_a_generated_client_retries_members_marked_idempotent_in_the_idl(
    cluster: Cluster, tmp_path: Path
) -> None:
    from graftc.targets import TargetOptions, get
    from graftcode_runtime.introspect import export_module, load_module

    module = export_module(load_module("clustermod", [str(HERE)])).module
    get("python").generate(module, tmp_path, TargetOptions())
    sys.path.insert(0, str(tmp_path))
    try:
        pkg = importlib.import_module("graft_clustermod")
        victim = cluster.gateways[0].pid
        make = lambda: pkg.ClustermodClient(pkg.connect(cluster.url("ws"), timeout=20))  # noqa: E731
        retried, plain = on_gateway(make, lambda c: c.whoami(), victim, 2)
        outcome = kill_during(cluster, {
            "idempotent": lambda: retried.slow_whoami(1.0),
            "plain": lambda: plain.echo("x", 1.0),
        })  # fmt: skip
        check(outcome, victim)
        retried.close()
        plain.close()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("graft_clustermod", None)
