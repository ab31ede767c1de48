"""Gateway auth past one shared token: named tokens from a file, an auth hook, the identity in
the request context, and every HTTP route behind the same check. A refused caller never runs
user code: the probe's `touch` writes a file, which must not appear."""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from authplugins import HOOK_TOKEN, READONLY_TOKEN, hook
from graftcode_runtime import RemoteError, StatusCode, connect
from graftcode_runtime.gateway import (
    Credentials,
    GatewayConfig,
    TokenFileError,
    parse_token_file,
)
from graftcode_runtime.testing import GatewayThread, RawPeer, self_signed_cert
from graftcode_runtime.testing._peer import hello

HERE = Path(__file__).resolve().parent
PROBE = str(HERE / "authprobe.py")
ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdef"


def _tokens(tmp_path: Path, text: str) -> str:
    path = tmp_path / "tokens"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return str(path)


@pytest.fixture
def token_file(tmp_path: Path) -> str:
    return _tokens(tmp_path, f"# who may call\nalice: {ALICE}\n\n  bob : {BOB}\n")


@pytest.fixture(params=["tcp", "tcp-trio", "ws"])
def gw(request: pytest.FixtureRequest, token_file: str) -> Iterator[GatewayThread]:
    engine = {"tcp_engine": "trio"} if request.param == "tcp-trio" else {}
    config = GatewayConfig(auth_tokens_file=token_file, auth_tokens=("legacy",), **engine)
    with GatewayThread([PROBE], config) as g:
        g.path = "ws" if request.param == "ws" else "tcp"  # type: ignore[attr-defined]
        yield g


def test_named_tokens_name_the_identity(gw: GatewayThread) -> None:
    url = gw.url(gw.path)  # type: ignore[attr-defined]
    for token, name in ((ALICE, "alice"), (BOB, "bob"), ("legacy", "default")):
        with connect(url, auth=token) as c:
            assert c.call("whoami") == name
            assert c.call("awhoami") == name  # async members see it too


def test_refused_before_user_code_runs(gw: GatewayThread, tmp_path: Path) -> None:
    """A CALL pipelined behind a HELLO without (or with a wrong) token is never run."""
    url = gw.url(gw.path)  # type: ignore[attr-defined]
    marker = tmp_path / "ran"
    for auth in ({}, {"auth": "wrong-token-0123456789"}, {"auth": ALICE[:-1]}):
        with RawPeer(url) as peer:
            call = [1, 1, 0, "authprobe", "touch", None, [str(marker)], {}, None, None]
            peer.send(hello("authprobe", **auth), call)
            _, code, message = peer.goaway()
            assert code is StatusCode.UNAUTHENTICATED
            assert "0123456789" not in message
            assert peer.closed()
    with connect(url, auth=BOB) as c:
        c.call("whoami")
    assert not marker.exists()


def test_auth_hook_decides_and_its_identity_reaches_hosted_code(tmp_path: Path) -> None:
    config = GatewayConfig(auth=hook, auth_tokens_file=_tokens(tmp_path, f"alice: {ALICE}\n"))
    with GatewayThread([PROBE], config) as g:
        with connect(g.url("tcp"), auth=HOOK_TOKEN) as c:
            assert c.call("whoami") == "hooked"
        with connect(g.url("ws"), auth=ALICE) as c:
            assert c.call("whoami") == "alice"
        with pytest.raises(RemoteError) as info:
            connect(g.url("tcp"), auth=READONLY_TOKEN)
        assert info.value.code is StatusCode.PERMISSION_DENIED
        assert READONLY_TOKEN not in info.value.message
        with pytest.raises(RemoteError) as info:
            connect(g.url("tcp"), auth="someone-else-0123456789")
        assert info.value.code is StatusCode.UNAUTHENTICATED


def test_a_failing_hook_refuses_without_the_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(c: Credentials) -> str:
        raise RuntimeError(f"db down while checking {c.token}")

    def confused(c: Credentials) -> object:
        return {"name": "alice"}  # not an Identity: refused rather than guessed at

    for bad_hook in (broken, confused):
        with GatewayThread([PROBE], GatewayConfig(auth=bad_hook)) as g:  # type: ignore[arg-type]
            with pytest.raises(RemoteError) as info:
                connect(g.url("tcp"), auth=HOOK_TOKEN)
        assert info.value.code is StatusCode.UNAUTHENTICATED
        assert HOOK_TOKEN not in info.value.message and HOOK_TOKEN not in caplog.text


def _get(g: GatewayThread, path: str, auth: str | None = None) -> tuple[int, bytes]:
    host, port = g.address("http")
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path, headers={"Authorization": auth} if auth else {})
    response = conn.getresponse()
    return response.status, response.read()


def test_http_routes_follow_named_tokens_and_the_hook(tmp_path: Path) -> None:
    config = GatewayConfig(auth=hook, auth_tokens_file=_tokens(tmp_path, f"alice: {ALICE}\n"))
    with GatewayThread([PROBE], config) as g:
        for path in ("/ugm", "/ugm/authprobe", "/nothing"):
            assert _get(g, path)[0] == 401
            assert _get(g, path, "Bearer wrong-token-0123456789")[0] == 401
        status, body = _get(g, "/ugm", f"Bearer {READONLY_TOKEN}")
        assert status == 403 and READONLY_TOKEN.encode() not in body
        basic = "Basic " + base64.b64encode(f"pip:{ALICE}".encode()).decode()
        for good in (f"Bearer {ALICE}", basic, f"Bearer {HOOK_TOKEN}"):
            assert _get(g, "/ugm", good)[0] == 200
        status, body = _get(g, "/status")
        assert status == 200 and json.loads(body) == {"status": "serving", "ready": True}


def test_token_file_format_errors_name_the_line_never_the_token(tmp_path: Path) -> None:
    cases = {
        "no colon here\n": ":1: expected `name: token`",
        f"a: {ALICE}\na: {BOB}\n": ":2: the name 'a' is given twice",
        "# only\nshort: abc\n": ":2: the token of 'short' is shorter than 16",
        "# nothing\n\n": "no tokens",
    }
    for text, expected in cases.items():
        with pytest.raises(TokenFileError) as info:
            parse_token_file(_tokens(tmp_path, text))
        assert expected in str(info.value)
        assert ALICE not in str(info.value) and "abc" not in str(info.value).split(":")[-1]
    assert parse_token_file(_tokens(tmp_path, f"a:{ALICE}\n")) == {"a": ALICE}
    with pytest.raises(TokenFileError, match="cannot read"):
        parse_token_file(str(tmp_path / "missing"))


def _cn(c: Credentials) -> str | None:
    cert = c.peer.tls_cert
    if cert is None:
        return None
    subject = cert["subject"]
    assert isinstance(subject, tuple)
    return "cert:" + dict(pair for rdn in subject for pair in rdn)["commonName"]


@pytest.mark.parametrize("transport", ["tls", "wss"])
def test_the_hook_sees_a_verified_client_certificate(tmp_path: Path, transport: str) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl tool")
    (tmp_path / "server").mkdir()
    (tmp_path / "client").mkdir()
    server_crt, server_key = self_signed_cert(tmp_path / "server")
    client_crt, client_key = self_signed_cert(tmp_path / "client")
    config = GatewayConfig(
        tls_cert=str(server_crt),
        tls_key=str(server_key),
        tls_client_ca=str(client_crt),
        auth=_cn,
    )
    with GatewayThread([PROBE], config) as g:
        ctx = ssl.create_default_context(cafile=str(server_crt))
        ctx.load_cert_chain(str(client_crt), str(client_key))
        with connect(g.url(transport), ssl_context=ctx) as c:
            assert c.call("whoami") == "cert:localhost"
        anonymous = ssl.create_default_context(cafile=str(server_crt))
        with pytest.raises(RemoteError) as info:
            connect(g.url(transport), ssl_context=anonymous)
        assert info.value.code is StatusCode.UNAUTHENTICATED


def test_a_world_readable_token_file_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from graftcode_runtime.gateway._auth import Authenticator

    path = _tokens(tmp_path, f"alice: {ALICE}\n")
    Path(path).chmod(0o644)
    with caplog.at_level("INFO", logger="graftcode.gateway"):
        auth = Authenticator(GatewayConfig(auth_tokens_file=path))
    assert "auth_tokens_world_readable" in caplog.text and ALICE not in caplog.text
    assert auth.match(ALICE) == "alice" and auth.match(BOB) is None
