"""Several gateways on one machine: `--port-base N`, `:0` with `--ports-file`, and the message
when the ports are taken. Gateways run as a user runs them: `graftc serve` subprocesses bound to
127.0.0.1, stopped by PID."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from graftc.cli import main
from graftcode_runtime import connect

ROOT = Path(__file__).resolve().parents[2]
CALCULATOR = str(ROOT / "examples" / "calculator.py")


def _free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the gateway binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_base(avoid: range = range(0)) -> int:
    """N with N, N+1, N+2 free, below the usual ephemeral range so `:0` binds elsewhere."""
    for _ in range(200):
        base = random.randrange(20000, 32000)
        if not set(range(base, base + 3)) & set(avoid) and all(
            _free(p) for p in range(base, base + 3)
        ):
            return base
    raise AssertionError("no three consecutive free ports")


def _start(*args: str, stdout: int = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "graftc.cli", "serve", CALCULATOR, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
    )


def _listening(proc: subprocess.Popen[str], count: int) -> dict[str, str]:
    """The `graftc: listening URL` lines, by scheme, once `count` have been printed."""
    assert proc.stdout is not None
    urls: dict[str, str] = {}
    timer = threading.Timer(20, proc.kill)
    timer.start()
    try:
        while len(urls) < count:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"graftc serve exited early: {proc.communicate()[1]}")
            if line.startswith("graftc: listening "):
                url = line.split()[-1]
                urls[url.split(":", 1)[0]] = url
    finally:
        timer.cancel()
    return urls


def _stop(pid: int, proc: subprocess.Popen[str]) -> str:
    """SIGTERM by PID; the gateway exits 0. Returns its stderr."""
    os.kill(pid, signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    assert proc.returncode == 0, err
    return err


def _kill(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        text: str = r.read().decode()
        return text


@pytest.mark.slow
def test_two_gateways_side_by_side_with_port_base() -> None:
    first = _free_base()
    second = _free_base(avoid=range(first, first + 3))
    a = _start("--port-base", str(first))
    b = _start("--port-base", str(second))
    try:
        for proc, base in ((a, first), (b, second)):
            assert _listening(proc, 3) == {
                "tcp": f"tcp://127.0.0.1:{base}",
                "ws": f"ws://127.0.0.1:{base + 1}/",
                "http": f"http://127.0.0.1:{base + 2}/",
            }
            with connect(f"tcp://127.0.0.1:{base}", module="calculator") as c:
                assert c.call("add", base, 1) == base + 1
            # Vision shows the ports this gateway chose, so its snippets call this gateway
            page = _get(f"http://127.0.0.1:{base + 2}/")
            assert f"tcp://127.0.0.1:{base}" in page and f"ws://127.0.0.1:{base + 1}/" in page

        # A third on the first one's ports fails, naming the port and how to run beside it.
        third = subprocess.run(
            [sys.executable, "-m", "graftc.cli", "serve", CALCULATOR, "--port-base", str(first)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=30,
        )
        assert third.returncode == 1
        taken = f"--tcp 127.0.0.1:{first}, --ws 127.0.0.1:{first + 1}, --http 127.0.0.1:{first + 2}"
        assert f"Address already in use ({taken}: is another gateway running?)" in third.stderr
        assert f"--port-base {first + 10} (TCP {first + 10}," in third.stderr
        assert "--port-base 0" in third.stderr and "--ports-file" in third.stderr
        assert "Traceback" not in third.stderr

        for proc in (a, b):
            _stop(proc.pid, proc)
    finally:
        _kill(a, b)


def _wait_for_ports_file(path: Path, proc: subprocess.Popen[str]) -> dict[str, object]:
    """Poll for the file as a script would (a leftover from an earlier run does not count)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"graftc serve exited early: {proc.communicate()[1]}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            data = None
        if isinstance(data, dict) and data.get("pid") == proc.pid:
            return data
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written")


@pytest.mark.slow
def test_free_ports_with_a_ports_file_for_scripts(tmp_path: Path) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text("left over by a gateway that was killed\n", encoding="utf-8")
    a = _start("--port-base", "0", "--ports-file", str(one), stdout=subprocess.DEVNULL)
    b = _start(
        "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--ports-file", str(two),
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        first = _wait_for_ports_file(one, a)
        second = _wait_for_ports_file(two, b)
        # Written once every listener is up: all of them are in the file, and only those.
        assert set(first) == {"tcp", "ws", "http", "pid"}
        assert set(second) == {"tcp", "http", "pid"}
        urls = [str(u) for d in (first, second) for k, u in d.items() if k != "pid"]
        assert all(u.startswith(("tcp://127.0.0.1:", "ws://127.0.0.1:", "http://")) for u in urls)
        ports = [int(u.rstrip("/").rsplit(":", 1)[1]) for u in urls]
        assert 0 not in ports and len(set(ports)) == 5
        for data in (first, second):
            with connect(str(data["tcp"]), module="calculator") as c:
                assert c.call("add", 2, 3) == 5
            assert json.loads(_get(f"{data['http']}status"))["status"] == "serving"
        # The file is replaced atomically: no temporary file is left beside it.
        assert sorted(p.name for p in tmp_path.iterdir()) == ["one.json", "two.json"]

        # Stopped by the PID in the file; a clean exit removes the file.
        for data, proc, path in ((first, a, one), (second, b, two)):
            pid = data["pid"]
            assert isinstance(pid, int)
            _stop(pid, proc)
            assert not path.exists()
    finally:
        _kill(a, b)


def test_port_base_sets_the_default_ports() -> None:
    from graftc.commands.serve import listen_addresses

    loopback = "127.0.0.1"
    assert listen_addresses(None, None, None, None) == (
        (loopback, 7470),
        (loopback, 7471),
        (loopback, 7472),
    )
    assert listen_addresses(None, None, None, 8100) == (
        (loopback, 8100),
        (loopback, 8101),
        (loopback, 8102),
    )
    assert listen_addresses(None, None, None, 0) == ((loopback, 0), (loopback, 0), (loopback, 0))
    # A listener named without a port takes its port from the base; an explicit port stays.
    assert listen_addresses("0.0.0.0", None, ":9000", 8100) == (
        ("0.0.0.0", 8100),
        None,
        (loopback, 9000),
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--port-base", "-1"], "--port-base -1: must be 0"),
        (["--port-base", "65534"], "1 to 65533"),
        (["--ports-file", "no/such/dir/ports.json"], "does not exist"),
        (["--ports-file", "."], "is a directory"),
    ],
)
def test_bad_port_options_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert main(["serve", CALCULATOR, *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_a_taken_port_base_suggests_running_beside_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = _free_base()
    ports = tmp_path / "ports.json"
    with socket.create_server(("127.0.0.1", base + 1)):
        code = main(["serve", CALCULATOR, "--port-base", str(base), "--ports-file", str(ports)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"--ws 127.0.0.1:{base + 1}: is another gateway running?" in err
    assert (
        f"hint: to run a second gateway beside it, give it other ports: --port-base {base + 10}"
        in err
    )
    assert "--port-base 0" in err
    assert not ports.exists()  # never written: not every listener came up


def test_the_demo_runs_beside_another_gateway(capsys: pytest.CaptureFixture[str]) -> None:
    from demo.__main__ import main as demo_main
    from demo.serve import port_base, serve_examples

    assert port_base(["--serve", "--port-base", "7480"]) == (7480, 7481, 7482)
    assert port_base(["--serve", "--port-base=7490"]) == (7490, 7491, 7492)
    assert port_base(["--serve"]) is None
    assert demo_main(["--serve", "--port-base", "nope"]) == 2  # before the (slow) steps run
    assert "--port-base 'nope'" in capsys.readouterr().err

    base = _free_base()
    with socket.create_server(("127.0.0.1", base)):
        assert serve_examples(ROOT / "examples", ports=(base, base + 1, base + 2)) == 1
    err = capsys.readouterr().err
    assert f"port {base} on 127.0.0.1 is in use" in err
    assert f'make demo DEMO_ARGS="--serve --port-base {base + 10}"' in err
