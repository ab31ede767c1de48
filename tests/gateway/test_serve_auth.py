"""`graftc serve` with named tokens, an auth hook and an interceptor given on the command line:
SIGHUP reloads the token file (a bad file keeps the old tokens), every HTTP route (the model,
the IDL, Vision, the package indexes) answers 401 without credentials while `--vision-http`
serves the Vision page alone without them, and no token ever appears in the gateway's
output."""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from authplugins import HOOK_TOKEN
from graftcode_runtime import RemoteError, StatusCode, connect
from test_serve_command import _start

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdef"
LEGACY = "legacy-token-0123456789"


def _write(path: Path, text: str) -> None:
    temp = path.with_suffix(".new")
    temp.write_text(text, encoding="utf-8")
    temp.chmod(0o600)
    os.replace(temp, path)  # as an operator (or a secret manager) swaps the file


def _works(url: str, token: str) -> bool:
    try:
        with connect(url, auth=token) as c:
            return c.call("whoami") != ""
    except RemoteError as e:
        assert e.code is StatusCode.UNAUTHENTICATED
        return False


def _eventually(check: object, what: str) -> None:
    deadline = time.monotonic() + 30
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _status(http_url: str, path: str, auth: str | None = None) -> int:
    host, port = http_url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path, headers={"Authorization": auth} if auth else {})
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.mark.slow
def test_sighup_reload_hook_interceptor_and_no_secret_in_logs(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    _write(tokens, f"alice: {ALICE}\n")
    proc, urls = _start(
        *("authprobe", "--path", "tests/gateway", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0"),
        *("--auth-tokens", str(tokens), "--auth-token", LEGACY),
        *("--auth-hook", "authplugins:hook", "--interceptor", "authplugins:Deny"),
        *("--vision-http", "127.0.0.1:0"),
    )
    assert proc.stdout is not None
    vision = proc.stdout.readline().split()[-1]  # announced after the listeners named above
    err: list[str] = []
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: err.extend(proc.stderr or ()), daemon=True)
    reader.start()
    try:
        tcp, web = urls["tcp"], urls["http"]
        with connect(tcp, auth=ALICE) as c:
            assert c.call("whoami") == "alice"
            with pytest.raises(RemoteError) as info:  # the --interceptor refuses
                c.call("touch", str(tmp_path / "x"), _metadata={"deny": "yes"})
            assert info.value.code is StatusCode.PERMISSION_DENIED
        assert not (tmp_path / "x").exists()
        with connect(tcp, auth=HOOK_TOKEN) as c:  # the --auth-hook's own token
            assert c.call("whoami") == "hooked"
        with connect(tcp, auth=LEGACY) as c:
            assert c.call("whoami") == "default"
        assert not _works(tcp, BOB)

        _write(tokens, f"# alice left\nbob: {BOB}\n")
        proc.send_signal(signal.SIGHUP)
        _eventually(lambda: _works(tcp, BOB), "bob's token was not loaded on SIGHUP")
        assert not _works(tcp, ALICE)

        _write(tokens, f"bob {BOB} with no colon\n")
        proc.send_signal(signal.SIGHUP)
        _eventually(lambda: any("auth_reload_failed" in line for line in err), "no reload error")
        assert _works(tcp, BOB)  # the bad file kept the tokens in use

        for path in ("/ugm", "/idl", "/", "/vision", "/pypi/", "/npm/"):
            assert _status(web, path) == 401, path
        assert _status(web, "/idl", f"Bearer {BOB}") == 200
        assert _status(web, "/ugm", f"Bearer {HOOK_TOKEN}") == 200
        # --vision-http: the page alone, without credentials; nothing else there
        assert vision.endswith("/vision")
        vision = vision.removesuffix("vision")
        assert _status(vision, "/vision") == 200 and _status(vision, "/") == 200
        assert _status(vision, "/vision/rt/browser.js") == 200  # what "Try it" loads
        for path in ("/ugm", "/idl", "/pypi/", "/npm/", "/status"):
            assert _status(vision, path) == 404, path
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        reader.join(10)
    logs = out + "".join(err)
    assert "auth_tokens_loaded" in logs and "handshake_refused" in logs
    for secret in (ALICE, BOB, LEGACY, HOOK_TOKEN):
        assert secret not in logs


def test_a_bad_token_file_stops_start_up_naming_the_line(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"alice {ALICE}\n", encoding="utf-8")
    serve = [sys.executable, "-m", "graftc.cli", "serve", "calculator", "--path", "examples"]
    done = subprocess.run(
        [*serve, "--tcp", "127.0.0.1:0", "--auth-tokens", str(tokens)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2
    assert f"{tokens}:1: expected `name: token`" in done.stderr
    assert ALICE not in done.stderr + done.stdout


def test_option_errors_name_the_option(tmp_path: Path) -> None:
    from graftc.commands._serve_auth import gateway_options
    from graftcode_runtime.otel import ServerTracing

    def options(**given: object) -> dict[str, object]:
        defaults: dict[str, object] = {
            "path": ["tests/gateway"], "auth_tokens": None, "auth_hook": None,
            "interceptor": [], "otel": False, "tls_client_ca": None, "tls_cert": None,
        }  # fmt: skip
        return gateway_options(argparse.Namespace(**{**defaults, **given}))

    (interceptor,) = options(otel=True)["interceptors"]  # type: ignore[misc]
    assert isinstance(interceptor, ServerTracing)
    assert options(auth_hook="authplugins:hook")["auth"].__name__ == "hook"  # type: ignore[attr-defined]
    for given, message in (
        ({"auth_hook": "authplugins"}, "--auth-hook 'authplugins': expected"),
        ({"auth_hook": "authplugins:nothing"}, "--auth-hook cannot load"),
        ({"auth_hook": "authplugins:HOOK_TOKEN"}, "is not a function"),
        ({"interceptor": ["authplugins:hook"]}, "--interceptor 'authplugins:hook'"),
        ({"tls_client_ca": str(tmp_path / "ca.pem")}, "--tls-client-ca needs --tls-cert"),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            options(**given)
