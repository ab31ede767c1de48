"""`graftc dev`: Vision and the package indexes in a process of their own, pointed at a
production gateway (which serves none of it) or at a committed .graft. A package installed by
pip from `graftc dev`'s index calls the production gateway, authenticating with the token from
its environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.python_target.support import make_venv, run

ROOT = Path(__file__).resolve().parents[2]
CALCULATOR = ROOT / "examples" / "calculator.py"
TOKEN = "dev-" + "Hj5" * 5
pytestmark = pytest.mark.slow

Start = Callable[..., tuple[subprocess.Popen[str], str]]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    procs: list[subprocess.Popen[str]] = []

    def start_(*argv: str, pattern: str, **env: str) -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "graftc.cli", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "GRAFTC_CACHE_DIR": str(tmp_path / "cache"), **env},
        )
        procs.append(proc)
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            m = re.search(pattern, line)
            if m:
                threading.Thread(target=proc.stdout.read, daemon=True).start()
                return proc, m.group(1)
        raise AssertionError("".join(seen))

    yield start_
    for proc in procs:
        proc.terminate()
        proc.wait(15)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_dev_serves_vision_and_a_package_that_calls_the_production_gateway(
    start: Start, tmp_path: Path
) -> None:
    serve = ["serve", str(CALCULATOR), "--mode", "production", "--expose-ugm"]
    serve += ["--tcp", "127.0.0.1:0", "--auth-token", TOKEN]
    serve += ["--http", "127.0.0.1:0"]
    _, gw_http = start(*serve, pattern=r"listening (http://\S+)", GRAFTC_AUTH_TOKEN="")
    assert get(gw_http + "pypi")[0] == 401  # and 404 with the token (test_production_mode)
    _, dev_http = start(
        "dev",
        gw_http.rstrip("/"),
        "--http",
        "127.0.0.1:0",
        pattern=r"listening (http://\S+)",
        GRAFT_TOKEN=TOKEN,
    )
    status, page = get(dev_http)
    assert status == 200 and "calculator" in page
    status, command = get(dev_http + "pypi")
    assert status == 200 and command.startswith("pip install --extra-index-url ")
    index = command.split()[3]

    venv = make_venv(tmp_path / "venv")
    installed = run(
        [sys.executable, "-m", "pip", "--python", venv.python, "install", "--quiet",
         "--no-deps", "--no-build-isolation", "--index-url", index, "graft-calculator==1.0.0"],
    )  # fmt: skip
    assert installed.returncode == 0, installed.output
    script = tmp_path / "use.py"
    script.write_text(
        "from graftcode_runtime import GraftError\n"
        "from graft_calculator import calculator\n"
        "try:\n    print(calculator.add(2, 3))\n"
        "except GraftError as e:\n    print(e.code.name)\n"
    )
    env = {k: "" for k in os.environ if k.startswith("GRAFT")}
    # nothing but the token configured: the package's default URL is the gateway's listener
    assert run([venv.python, script], tmp_path, **env, GRAFT_CALCULATOR_TOKEN=TOKEN).output == "5\n"
    assert run([venv.python, script], tmp_path, **env).output == "UNAUTHENTICATED\n"


def test_dev_from_a_committed_graft(start: Start, tmp_path: Path) -> None:
    graft = tmp_path / "calculator.graft"
    exported = run([Path(sys.executable).parent / "graftc", "export", CALCULATOR])
    graft.write_text(exported.output)
    _, url = start(
        "dev", str(graft), "--http", "127.0.0.1:0", "--endpoint", "ws://gw.example:7471/",
        pattern=r"listening (http://\S+)",
    )  # fmt: skip
    status, body = get(url + "ugm")
    assert status == 200 and json.loads(body)["module"]["name"] == "calculator"
    status, body = get(url + "status")
    assert json.loads(body)["listeners"] == ["ws://gw.example:7471/"]
    assert 'module calculator version "1.0.0";' in get(url + "idl")[1]
    status, page = get(url + "vision")
    assert status == 200 and "ws://gw.example:7471/" in page


def test_dev_reports_an_unreachable_gateway() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "graftc.cli", "dev", "http://127.0.0.1:1/", "--http", "127.0.0.1:0"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 1 and "UNAVAILABLE" in p.stderr and "Traceback" not in p.stderr
