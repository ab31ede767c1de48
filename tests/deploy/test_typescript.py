"""The TypeScript client (Node) through nginx when its gateway is killed with calls in flight:
the member marked idempotent is retried on another gateway, the plain call fails UNAVAILABLE
and is not resent (docs/deploy.md, "Failover")."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from cluster import HERE, Cluster, tsharness

pytestmark = [pytest.mark.slow, pytest.mark.node, pytest.mark.xdist_group("nginx")]


@pytest.mark.parametrize("transport", ["tcp", "ws"])
def test_typescript_client_fails_over(cluster: Cluster, transport: str) -> None:
    ts = tsharness()
    try:
        runtime = ts.build_runtime()
    except ts.NodeUnavailable as e:
        pytest.fail(f"Node is needed (make node-deps): {e}")
    victim = cluster.gateways[0]
    proc = subprocess.Popen(
        [ts.node_bin(), str(HERE / "failover.mjs"), str(runtime / "dist" / "node.js"),
         cluster.url(transport), str(victim.pid)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "READY\n", proc.stderr.read() if proc.stderr else ""
        time.sleep(0.3)  # both calls are running on the victim now (each takes 1 s)
        victim.kill()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    result = json.loads(out)
    assert "value" in result["idempotent"], result
    assert result["idempotent"]["value"] != str(victim.pid)
    plain = result["plain"]
    assert plain["code"] == 14 and plain["retrySafe"] is False, result  # UNAVAILABLE
