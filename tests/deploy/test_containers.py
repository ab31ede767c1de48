"""The container files: the gateway image's entry point (run here without Docker, as the image
runs it), the compose nginx.conf being the tested template's rendering, and the image build
where a Docker daemon is available."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cluster import ROOT, free_ports, wait_until

sys.path.insert(0, str(ROOT / "deploy" / "nginx"))
from render import COMPOSE_CONF, compose

ENTRYPOINT = ROOT / "deploy" / "gateway-entrypoint.sh"


def test_the_compose_nginx_conf_is_the_rendered_template() -> None:
    assert COMPOSE_CONF.read_text() == compose(), (
        "deploy/compose/nginx.conf is stale: run `python deploy/nginx/render.py --compose`"
    )
    services = (ROOT / "deploy" / "docker-compose.yml").read_text()
    for name in ("gw1", "gw2", "gw3"):
        assert f"  {name}: *gateway" in services
        assert f"server {name}:7470 " in compose() and f"server {name}:7471 " in compose()


@pytest.mark.slow
def test_the_entrypoint_serves_from_the_environment_and_drains_on_sigterm(tmp_path: Path) -> None:
    import json
    import urllib.request

    tcp, ws, http = free_ports(3)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GRAFTC_MODULE": "calculator",
        "GRAFTC_PATH": str(ROOT / "examples"),
        "GRAFTC_TCP_PORT": str(tcp),
        "GRAFTC_WS_PORT": str(ws),
        "GRAFTC_HTTP_PORT": str(http),
        "GRAFTC_GRACE": "5",
        "GRAFTC_AUTH_TOKEN": "entrypoint-test-token",
    }
    log = tmp_path / "gw.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["sh", str(ENTRYPOINT)], env=env, stdout=out, stderr=out)
    try:
        wait_until(lambda: "listening http" in log.read_text() or proc.poll() is not None, "gw")
        assert proc.poll() is None, log.read_text()
        assert "0.0.0.0:" in log.read_text()  # reachable from the other containers
        with urllib.request.urlopen(f"http://127.0.0.1:{http}/status", timeout=5) as r:
            assert json.loads(r.read())["status"] == "serving"
        from graftcode_runtime import connect

        with connect(f"tcp://127.0.0.1:{tcp}", auth="entrypoint-test-token", timeout=5) as c:
            assert c.call("add", 2, 3) == 5
        proc.send_signal(signal.SIGTERM)  # `docker stop`: graftc is the exec'd process
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_entrypoint_refuses_to_start_without_a_module() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GRAFTC_MODULE"}
    done = subprocess.run(["sh", str(ENTRYPOINT)], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "set GRAFTC_MODULE" in done.stderr


def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not docker_available(), reason="no Docker daemon on this machine")
def test_the_gateway_image_builds() -> None:
    done = subprocess.run(
        ["docker", "build", "-q", "-f", "deploy/Dockerfile", "-t", "graftcode-gateway:test", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
