"""End to end with real tools: `graftc serve`, pip in a fresh virtualenv, npm + tsc + Node, and
headless Chromium on Vision. Slow (they install packages from PyPI/npm and start processes)."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time
import venv
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from graftc.targets.typescript.package import find_tsc

from .cdp import Browser, have_chromium
from .gateway_proc import Gateway, start_gateway

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

EXTRA = '''

def power(a: int, b: int) -> int:
    """Raise `a` to the power `b` (added while the gateway was down)."""
    return a**b
'''


@pytest.fixture
def module_file(tmp_path: Path) -> Path:
    """A private copy of the example, so a test can edit it and restart the gateway."""
    d = tmp_path / "mod"
    d.mkdir()
    target = d / "calculator.py"
    shutil.copy(ROOT / "examples" / "calculator.py", target)
    return target


@pytest.fixture
def gateway(module_file: Path, tmp_path: Path) -> Iterator[Gateway]:
    gw = start_gateway(module_file, tmp_path / "cache")
    try:
        yield gw
    finally:
        gw.stop()


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 400) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ)
    )
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_pip_installs_the_client_and_it_calls_the_gateway(
    module_file: Path, tmp_path: Path
) -> None:
    gw = start_gateway(module_file, tmp_path / "cache")
    try:
        status, body = gw.get("/pypi")
        assert status == 200
        command = body.decode().strip()  # exactly what Vision shows and a user copies
        assert command.startswith("pip install --extra-index-url ")
        env_dir = tmp_path / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        py = env_dir / "bin" / "python"
        _run([str(py), "-m", *command.split(), "--disable-pip-version-check"], tmp_path)
        script = tmp_path / "use.py"
        script.write_text(
            "from graft_calculator import Accumulator, DivisionByZero, calculator\n"
            "print(calculator.add(2, 3))\n"
            "try:\n    calculator.divide(1.0, 0.0)\nexcept DivisionByZero as e:\n"
            "    print('raised', e.dividend)\n"
            "with Accumulator(10.0) as acc:\n    print(acc.add(5.0))\n"
        )
        # nothing configured: the package calls the gateway it was installed from
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRAFT")}
        out = _run([str(py), str(script)], tmp_path, env=env).split()
        assert out == ["5", "raised", "1.0", "15.0"]
        shown = _run(
            [str(py), "-m", "pip", "show", "graft-calculator", "graftcode-runtime"], tmp_path
        )
        assert "Version: 1.0.0" in shown

        # The module grows a function, __version__ unchanged; the gateway restarts.
        gw.stop()
        module_file.write_text(module_file.read_text() + EXTRA)
        gw = start_gateway(module_file, tmp_path / "cache")
        upgrade = gw.get("/pypi")[1].decode().strip()
        assert upgrade.endswith("graft-calculator==1.0.0.post1")
        index = upgrade.split()[3]
        _run(
            [
                str(py),
                "-m",
                "pip",
                "install",
                "-U",
                "--extra-index-url",
                index,
                "graft-calculator",
                "--disable-pip-version-check",
            ],
            tmp_path,
        )  # a plain upgrade finds the build: pip orders 1.0.0.post1 after 1.0.0
        (tmp_path / "power.py").write_text(
            "from graft_calculator import calculator\nprint(calculator.power(2, 10))\n"
        )
        assert _run([str(py), str(tmp_path / "power.py")], tmp_path, env=env).split() == ["1024"]
    finally:
        gw.stop()


@pytest.mark.node
@pytest.mark.parametrize("source", ["tarball", "registry"])
def test_npm_installs_the_client_and_node_calls_the_gateway(
    gateway: Gateway, tmp_path: Path, source: str
) -> None:
    if shutil.which("npm") is None or find_tsc() is None:
        pytest.skip("needs npm and the TypeScript compiler (make node-deps)")
    status, body = gateway.get("/npm")
    assert status == 200
    command = body.decode().strip()
    if source == "registry":
        # the gateway as the only registry: the runtime's own dependencies come bundled
        command = f"npm install --registry {gateway.http}/npm/ graft-calculator"
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(
        json.dumps({"name": "app", "private": True, "type": "module"})
    )
    _run([*command.split(), "--no-audit", "--no-fund", "--loglevel=error"], app)
    (app / "consumer.ts").write_text(
        'import { connect, DivisionByZero } from "graft-calculator";\n'
        "const client = await connect();\n"
        "const sum: number = await client.calculator.add(2, 3);\n"
        "console.log(sum);\n"
        "try { await client.calculator.divide(1, 0); }\n"
        'catch (e) { if (e instanceof DivisionByZero) console.log("raised"); else throw e; }\n'
        "await client.close();\n"
    )
    (app / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "target": "ES2022",
                    "module": "NodeNext",
                    "moduleResolution": "NodeNext",
                    "strict": True,
                    "outDir": "dist",
                    "types": [],
                    "skipLibCheck": True,
                },
                "files": ["consumer.ts"],
            }
        )
    )
    _run([str(find_tsc()), "-p", "tsconfig.json"], app)
    out = _run(["node", "dist/consumer.js"], app).split()
    assert out == ["5", "raised"]


def _raw_get(gw: Gateway, path: str) -> int:
    """A request with the path sent as is (urllib would normalise `..`)."""
    u = urlsplit(gw.http)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=60)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def test_bad_input_over_http(gateway: Gateway) -> None:
    for path in [
        "/pypi/simple/graft-nothing/",
        "/pypi/files/graft_calculator-9.9.9-py3-none-any.whl",
        "/npm/graft-calculator-9.9.9.tgz",
        "/npm/graft-nothing",
        "/pypi/files/../../../../etc/passwd",
        "/pypi/files/..%2f..%2f..%2fetc%2fpasswd",
        "/npm/%2e%2e/%2e%2e/etc/passwd",
    ]:
        assert _raw_get(gateway, path) == 404, path
    assert _raw_get(gateway, "/status") == 200


def test_head_gives_the_length_of_the_get(gateway: Gateway) -> None:
    u = urlsplit(gateway.http)
    for path in ["/", "/pypi/simple/graft-calculator/", "/npm/graft-calculator-1.0.0.tgz"]:
        lengths = []
        for method in ("GET", "HEAD"):
            conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=120)
            try:
                conn.request(method, path)
                r = conn.getresponse()
                body = r.read()
                assert r.status == 200, (method, path)
                assert method == "GET" or body == b""
                lengths.append(r.getheader("content-length"))
            finally:
                conn.close()
        assert lengths[0] == lengths[1] != "0", path


def test_concurrent_first_requests_get_one_build(gateway: Gateway) -> None:
    status, page = gateway.get("/pypi/simple/graft-calculator/")
    assert status == 200
    filename, digest = re.search(r"files/([^#\"]+)#sha256=([0-9a-f]+)", page.decode()).groups()  # type: ignore[union-attr]
    results: list[bytes] = []
    tarballs: list[bytes] = []

    def fetch() -> None:
        results.append(gateway.get(f"/pypi/files/{filename}")[1])
        tarballs.append(gateway.get("/npm/graft-calculator-1.0.0.tgz")[1])

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert {hashlib.sha256(r).hexdigest() for r in results} == {digest}
    assert len(set(tarballs)) == 1 and len(tarballs) == 6


@pytest.mark.browser
@pytest.mark.skipif(not have_chromium(), reason="needs chromium (make system-deps)")
def test_vision_in_a_browser_and_a_restart_shows_the_change(
    module_file: Path, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    gw = start_gateway(module_file, tmp_path / "cache")
    browser = Browser(tmp_path / "chromium-profile")
    try:
        browser.send(
            "Browser.grantPermissions",
            permissions=["clipboardReadWrite", "clipboardSanitizedWrite"],
        )
        browser.goto(gw.http + "/")
        listed = browser.eval(
            "[...document.querySelectorAll('nav a.member-link')].map(a => a.textContent)"
        )
        for name in [
            "calculator.add()",
            "calculator.divide()",
            "Accumulator()",
            "Accumulator.add()",
            "DivisionByZero",
        ]:
            assert name in listed
        assert "calculator.power()" not in listed

        browser.click('a.member-link[data-member="calculator.calculator.divide"]')
        usage = browser.eval("document.querySelector('.panel:not([hidden]) pre.usage').textContent")
        assert (
            "calculator.divide(1.5, 1.5)" in usage
            and "from graft_calculator import calculator" in usage
        )
        install = browser.eval(
            "document.querySelector('.panel:not([hidden]) pre.install').textContent"
        )
        assert install == gw.get("/pypi")[1].decode().strip()

        browser.click(".panel:not([hidden]) pre.install + button.copy")
        deadline = time.monotonic() + 10
        while (
            browser.eval(
                "document.querySelector('.panel:not([hidden]) pre.install + button.copy').textContent"
            )
            != "Copied"
        ):
            assert time.monotonic() < deadline, "the copy button never confirmed"
            time.sleep(0.05)
        assert browser.eval("navigator.clipboard.readText()") == install

        browser.type_text("#filter", "divide")
        visible = browser.eval(
            "[...document.querySelectorAll('nav li')].filter(li => !li.hidden).map(li => li.textContent)"
        )
        assert visible == ["calculator.divide()"]

        browser.click('button.tab[data-target="typescript"]')
        ts_usage = browser.eval(
            "document.querySelector('.panel:not([hidden]) pre.usage').textContent"
        )
        assert "await client.calculator.divide(1.5, 1.5)" in ts_usage
        browser.click('button.tab[data-target="go"]')
        go_usage = browser.eval(
            "document.querySelector('.panel:not([hidden]) pre.usage').textContent"
        )
        assert "client.Divide(ctx, 1.5, 1.5)" in go_usage
        go_install = browser.eval(
            "document.querySelector('.panel:not([hidden]) pre.install').textContent"
        )
        assert go_install == gw.get("/go")[1].decode().strip()
        assert "go get graftcode.dev/g/calculator@v1.0.0" in go_install
        browser.screenshot(shots / "vision.png")

        gw.stop()
        module_file.write_text(module_file.read_text() + EXTRA)
        gw = start_gateway(module_file, tmp_path / "cache")
        browser.goto(gw.http + "/")
        listed = browser.eval(
            "[...document.querySelectorAll('nav a.member-link')].map(a => a.textContent)"
        )
        assert "calculator.power()" in listed
        browser.click('a.member-link[data-member="calculator.calculator.power"]')
        assert "calculator.power(1, 1)" in browser.eval(
            "document.querySelector('.panel:not([hidden]) pre.usage').textContent"
        )
        # same __version__, new surface: the packages carry a build number pip orders after it
        assert "graft-calculator==1.0.0.post1" in browser.eval(
            "document.querySelector('.panel:not([hidden]) pre.install').textContent"
        )
        browser.screenshot(shots / "vision-after-restart.png")
    finally:
        browser.close()
        gw.stop()
    assert (shots / "vision.png").stat().st_size > 10_000


def test_a_package_that_cannot_be_built_is_a_clear_error_and_the_gateway_stays_up(
    tmp_path: Path,
) -> None:
    mod = tmp_path / "nightly" / "nightly.py"
    mod.parent.mkdir()
    mod.write_text(
        '"""A module whose version pip cannot spell."""\n\n__version__ = "1.0.0-nightly.5"\n\n\n'
        'def ping() -> str:\n    """Answer."""\n    return "pong"\n'
    )
    gw = start_gateway(mod, tmp_path / "cache", listeners=("http",))
    try:
        status, body = gw.get("/pypi/simple/graft-nightly/")
        assert status == 422
        assert b"'1.0.0-nightly.5'" in body and b"PEP 440" in body
        assert gw.get("/status")[0] == 200
        assert gw.get("/")[0] == 200
        assert gw.get("/npm/graft-nightly-1.0.0-nightly.5.tgz")[0] == 200  # npm takes semver as is
    finally:
        gw.stop()
