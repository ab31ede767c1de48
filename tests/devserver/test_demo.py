"""`make demo DEMO_ARGS=--serve`: the gateway it leaves running, the URL and install commands it
prints, and what happens when the ports are taken."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from graftc.devserver.demo import serve_examples

ROOT = Path(__file__).resolve().parents[2]


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def test_a_taken_port_is_reported_and_nothing_is_announced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        tcp, ws = _free_ports(2)
        assert serve_examples(ROOT / "examples", ports=(tcp, ws, port)) == 1
    out, err = capsys.readouterr()
    assert f"port {port} on 127.0.0.1 is in use" in err
    assert "Vision" not in out and "pip install" not in out


@pytest.mark.slow
def test_serve_prints_vision_and_the_install_commands(tmp_path: Path) -> None:
    tcp, ws, http = _free_ports(3)
    code = (
        "import sys; from pathlib import Path; from graftc.devserver.demo import serve_examples; "
        f"sys.exit(serve_examples(Path({str(ROOT / 'examples')!r}), ports=({tcp}, {ws}, {http})))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        # a cache of its own: build numbers in a shared one could make 1.2.0 read 1.2.0.post1
        env={**os.environ, "GRAFTC_CACHE_DIR": str(tmp_path / "cache")},
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if "Ctrl-C stops the gateway" in line:
                break
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    base = f"http://127.0.0.1:{http}"
    assert f"Vision:  {base}/" in lines
    for command in [
        f"pip install --extra-index-url {base}/pypi/simple/ graft-calculator==1.0.0",
        f"pip install --extra-index-url {base}/pypi/simple/ graft-shop==1.2.0",
        f"npm install {base}/npm/graft-calculator-1.0.0.tgz",
        f"npm install {base}/npm/graft-shop-1.2.0.tgz",
    ]:
        assert command in lines
    assert proc.returncode == 0
