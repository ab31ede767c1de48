"""`make demo DEMO_ARGS=--serve`: the gateway it leaves running, the URL and install commands it
prints, and what happens when the ports are taken; and the demo's place outside the wheel."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

# examples/ is on sys.path in every test (tests/conftest.py), so the demo imports as `demo`
from demo.serve import serve_examples
from graftcode_runtime.testing import free_ports

ROOT = Path(__file__).resolve().parents[2]


def test_a_taken_port_is_reported_and_nothing_is_announced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        tcp, ws = free_ports(2)
        assert serve_examples(ROOT / "examples", ports=(tcp, ws, port)) == 1
    out, err = capsys.readouterr()
    assert f"port {port} on 127.0.0.1 is in use" in err
    assert "Vision" not in out and "pip install" not in out


@pytest.mark.slow
def test_serve_prints_vision_and_the_install_commands(tmp_path: Path) -> None:
    tcp, ws, http = free_ports(3)
    code = (
        "import sys; from pathlib import Path; from examples.demo.serve import serve_examples; "
        f"sys.exit(serve_examples(Path({str(ROOT / 'examples')!r}), ports=({tcp}, {ws}, {http})))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,  # as `make demo` runs it
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


def test_the_demo_is_not_shipped_in_the_graftcode_wheel() -> None:
    """hatch ships exactly the listed packages and force-included files (minus what git
    ignores): none of them may be a demo, and `make demo` runs the one under examples/."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    shipped = [ROOT / p for p in [*wheel["packages"], *wheel.get("force-include", {})]]
    files = [
        f
        for p in shipped
        for f in (p.rglob("*") if p.is_dir() else [p])
        if f.is_file() and "__pycache__" not in f.parts
    ]
    assert any(f.name == "cli.py" for f in files)  # the compiler itself is shipped
    assert [f for f in files if "demo" in f.name.lower()] == []
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "\t$(BIN)/python -m examples.demo $(DEMO_ARGS)\n" in makefile
    assert (ROOT / "examples" / "demo" / "__main__.py").is_file()


def test_the_demo_finds_each_target_step_by_name() -> None:
    from demo.__main__ import steps

    assert [s.__name__.rpartition(".")[2] for s in steps()] == ["idl", "python", "typescript", "go"]
