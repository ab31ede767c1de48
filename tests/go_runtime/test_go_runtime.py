"""The Go runtime (runtime/go): `go vet`, `gofmt` and its own `go test` (framing, msgpack
limits, the call table, configuration, WebSocket, every tests/vectors file), then its end-to-end
tests against a real Python gateway over TCP and WebSocket.

The runtime has no dependencies outside Go's standard library, so nothing is downloaded:
GOPROXY=off proves it. Go's build cache is the user's default one, never inside the repo."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from graftcode_runtime.gateway import GatewayConfig
from graftcode_runtime.testing import GatewayProcess, self_signed_cert

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime" / "go"
HOSTED = ["shop", "calculator", "tsfixture", "tsstream"]
PATHS = [ROOT / "examples", ROOT / "tests" / "typescript" / "fixtures"]

GO = shutil.which("go")
pytestmark = pytest.mark.skipif(GO is None, reason="the Go toolchain (go) is not on PATH")


def _go(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    assert GO is not None
    proc = subprocess.run(
        [GO, *args],
        cwd=RUNTIME,
        env={
            # the tests set the GRAFT_* variables they mean; a developer's own would leak in
            **{k: v for k, v in os.environ.items() if not k.startswith("GRAFT_")},
            "GOFLAGS": "-mod=mod",
            "GOTOOLCHAIN": "local",
            "GOPROXY": "off",
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"go {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.parametrize(
    "platform", [{}, {"GOARCH": "386"}, {"GOOS": "windows"}], ids=["native", "386", "windows"]
)
def test_go_vet(platform: dict[str, str]) -> None:
    """Generated packages run wherever Go does: 32-bit ints and Windows included."""
    _go("vet", "./...", env=platform)


def test_gofmt_lists_nothing() -> None:
    assert GO is not None
    gofmt = Path(GO).with_name("gofmt")
    out = subprocess.run(
        [str(gofmt) if gofmt.exists() else "gofmt", "-l", "."],
        cwd=RUNTIME,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == "", f"gofmt would reformat:\n{out}"


def test_go_unit_tests_and_vectors() -> None:
    """Everything but the end-to-end tests, including every tests/vectors file."""
    out = _go("test", "-count=1", "-v", "-run", "^Test[^E]", "./...")
    assert "--- PASS: TestVectors/call_add" in out
    assert "--- SKIP" not in out


@pytest.mark.slow
def test_end_to_end_tcp_and_websocket() -> None:
    with GatewayProcess(HOSTED, path=PATHS) as gw:
        urls = f"{gw.urls['tcp']},{gw.urls['ws']}"
        out = _go("test", "-count=1", "-v", "-run", "^TestE2E$", ".", env={"GRAFT_E2E_URLS": urls})
    assert "--- PASS: TestE2E/ws/200_concurrent_calls" in out, out
    assert "--- PASS: TestE2E/tcp/declared_errors" in out, out
    assert "--- SKIP" not in out


@pytest.mark.slow
def test_end_to_end_goaway() -> None:
    """The Go test stops this gateway (SIGTERM) while a call runs: graceful GOAWAY."""
    with GatewayProcess(["tsfixture"], path=PATHS) as gw:
        env = {"GRAFT_E2E_GOAWAY_URL": gw.urls["tcp"], "GRAFT_E2E_GOAWAY_PID": str(gw.pid)}
        out = _go("test", "-count=1", "-v", "-run", "^TestE2EGoAway$", ".", env=env)
    assert "--- PASS: TestE2EGoAway" in out, out


@pytest.mark.slow
def test_end_to_end_tls_and_wss(tmp_path: Path) -> None:
    """tls:// and wss:// with a private CA: trusted through GRAFT_<MODULE>_TLS_CA only."""
    cert, key = self_signed_cert(tmp_path)
    config = GatewayConfig(tls_cert=str(cert), tls_key=str(key))
    with GatewayProcess(["calculator"], config, path=PATHS) as gw:
        env = {
            "GRAFT_E2E_TLS_URLS": f"{gw.urls['tls']},{gw.urls['wss']}",
            "GRAFT_E2E_TLS_CA": str(cert),
        }
        out = _go("test", "-count=1", "-v", "-run", "^TestE2ETLS$", ".", env=env)
    assert "--- PASS: TestE2ETLS" in out, out
