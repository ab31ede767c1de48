"""Node end to end: the examples' generated packages, installed with npm from tarballs, call a
real `graftc serve` over WebSocket and TCP: every member, instances, properties, declared
errors, an expiring deadline, cancellation, and 200 concurrent calls."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import tsharness

pytestmark = [pytest.mark.slow, pytest.mark.node]


def _run_e2e(consumer: tsharness.Consumer, url: str) -> list[dict[str, object]]:
    script = consumer.dir / "e2e.mjs"
    shutil.copy(tsharness.HERE / "js" / "e2e.mjs", script)
    out = consumer.node(script, url, timeout=120)
    checks: list[dict[str, object]] = json.loads(out)["checks"]
    return checks


@pytest.mark.parametrize("scheme", ["ws", "tcp"])
def test_every_member(
    consumer: tsharness.Consumer, gateway: tsharness.Gateway, scheme: str
) -> None:
    checks = _run_e2e(consumer, gateway.url(scheme))
    failed = [c for c in checks if not c["ok"]]
    assert len(checks) > 40
    assert not failed, "\n".join(f"{c['name']}: {c['detail']}" for c in failed)


def test_foreign_origin_is_refused(
    consumer: tsharness.Consumer, gateway: tsharness.Gateway
) -> None:
    script = consumer.dir / "origin.mjs"
    script.write_text(
        """
import { connect } from "graft-calculator";
const url = process.argv[2];
const out = {};
try {
  const c = await connect({ url, headers: { Origin: "https://evil.example" } });
  out.foreign = "connected";
  await c.close();
} catch (e) { out.foreign = `${e.name}: ${e.message}`; }
const ok = await connect({ url });
out.plain = await ok.calculator.add(1, 1);
await ok.close();
process.stdout.write(JSON.stringify(out));
"""
    )
    out = json.loads(consumer.node(script, gateway.url("ws")))
    assert out["plain"] == 2
    assert "ConnectionLost" in out["foreign"] and "403" in out["foreign"], out


def test_handshake_refusal_names_the_module(
    consumer: tsharness.Consumer, gateway: tsharness.Gateway
) -> None:
    script = consumer.dir / "refused.mjs"
    script.write_text(
        """
import { Client, t } from "graftcode-runtime";
const binding = { module: "nosuchmodule", version: "1.0.0", schemaHash: "", errors: {}, classes: {} };
try {
  await Client.connect(binding, { url: process.argv[2] });
  process.stdout.write("connected");
} catch (e) { process.stdout.write(`${e.name} ${e.code}: ${e.message}`); }
"""
    )
    out = consumer.node(script, gateway.url("tcp"))
    assert out.startswith("GraftError 5:") and "nosuchmodule" in out, out


def test_tls_and_wss_with_a_private_ca(consumer: tsharness.Consumer, tmp_path: Path) -> None:
    """tls:// and wss:// to a gateway with a self-signed certificate: trusted through
    GRAFT_<MODULE>_TLS_CA, refused without it."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subj = ("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
    files = ("-keyout", str(key), "-out", str(cert))
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *subj, *files],
        check=True,
        capture_output=True,
    )
    gw = tsharness.start_gateway(
        "calculator", extra=("--tls-cert", str(cert), "--tls-key", str(key))
    )
    try:
        script = consumer.dir / "tls.mjs"
        script.write_text(
            """
import { connect } from "graft-calculator";
const out = {};
for (const url of process.argv.slice(2)) {
  try {
    const c = await connect({ url, connectTimeoutMs: 5000 });
    out[url.split(":")[0]] = await c.calculator.add(20, 22);
    await c.close();
  } catch (e) { out[url.split(":")[0]] = `${e.name}: ${e.message}`; }
}
process.stdout.write(JSON.stringify(out));
"""
        )
        urls = (gw.url("tls"), gw.url("wss"))
        trusted = json.loads(
            consumer.node(script, *urls, env={"GRAFT_CALCULATOR_TLS_CA": str(cert)})
        )
        assert trusted == {"tls": 42, "wss": 42}, trusted
        untrusted = json.loads(consumer.node(script, *urls))
        assert all(str(v).startswith("ConnectionLost") for v in untrusted.values()), untrusted
    finally:
        gw.stop()
