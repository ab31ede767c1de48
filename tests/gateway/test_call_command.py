"""`graftc call` against a real gateway: records and bytes out as JSON, declared errors and
deadlines as `CODE: message` with exit 64 + code, --list from the HTTP listener, metadata,
tokens (flag, variable, file; never printed), and bad arguments refused before anything is
sent, without a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from graftc.cli import main
from graftcode_runtime.gateway import GatewayConfig
from harness import GatewayThread

TOKEN = "call-" + "Zq8" * 5


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayThread]:
    with GatewayThread(["gwfixture", "shop"]) as g:
        yield g


@pytest.fixture(scope="module")
def guarded() -> Iterator[GatewayThread]:
    with GatewayThread(["gwfixture"], GatewayConfig(auth_tokens=(TOKEN,))) as g:
        yield g


def graftc(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["call", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_record_list_comes_back_as_json(
    gw: GatewayThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = graftc(capsys, gw.urls["tcp"], "shop.list_products", "limit=1")
    assert (code, err) == (0, "")
    (product,) = json.loads(out)
    assert product["sku"] == "B-1" and product["price"] == "9.99"  # decimal: a string


def test_positional_keyword_bytes_and_the_websocket(
    gw: GatewayThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = graftc(capsys, gw.urls["ws"], "gwfixture.greet", '"ann"', 'punctuation="?"')
    assert (code, json.loads(out)) == (0, "hello ann?")
    code, out, _ = graftc(capsys, gw.urls["tcp"], "gwfixture.echo_bytes", '{"$bytes": "AAH/"}')
    assert (code, json.loads(out)) == (0, {"$bytes": "AAH/"})
    code, out, _ = graftc(capsys, gw.urls["tcp"], "gwfixture.Counter.kind")
    assert (code, json.loads(out)) == (0, "counter")
    code, out, _ = graftc(capsys, gw.urls["tcp"], "gwfixture.Counter", "3")
    assert code == 0 and json.loads(out)["$instance"] == "Counter"


def test_metadata_reaches_the_hosted_code(
    gw: GatewayThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = graftc(
        capsys, gw.urls["tcp"], "gwfixture.whoami", "--metadata", "X-Tenant=acme", "-H", "b=2"
    )
    assert code == 0
    whoami = json.loads(out)
    assert (whoami["x-tenant"], whoami["b"], whoami["has_deadline"]) == ("acme", "2", "no")


def test_a_declared_error_prints_code_message_and_fields(
    gw: GatewayThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = graftc(capsys, gw.urls["tcp"], "gwfixture.withdraw", "5", "amount=7")
    assert out == ""
    first, second = err.strip().splitlines()
    assert first.startswith("UNKNOWN: ") and code == 64 + 2
    assert second == 'Overdrawn {"balance": 5, "wanted": 7}'


def test_a_deadline(gw: GatewayThread, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = graftc(
        capsys, gw.urls["tcp"], "gwfixture.delayed", "1", "30", "--timeout", "0.2"
    )
    assert code == 64 + 4 and err.startswith("DEADLINE_EXCEEDED: "), err


def test_list_from_the_http_listener(gw: GatewayThread, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = graftc(capsys, gw.urls["http"], "--list")
    lines = out.splitlines()
    assert code == 0
    assert "gwfixture.echo(value: str) -> str" in lines
    assert "shop.Cart.with_items(customer: str, items: map<str, int>) -> Cart" in lines
    assert 'shop.Cart(customer: str, *, currency: str = "EUR")' in lines
    assert not [line for line in lines if ".Cart.add(" in line]  # instance methods need an instance


def test_tokens_from_the_flag_the_variable_and_a_file(
    guarded: GatewayThread,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("GRAFT_TOKEN", raising=False)
    url = guarded.urls["tcp"]
    code, out, err = graftc(capsys, url, "gwfixture.echo", '"x"')
    assert code == 64 + 16 and err.startswith("UNAUTHENTICATED: "), err
    code, out, err = graftc(capsys, url, "gwfixture.echo", '"x"', "--token", "wrong")
    assert code == 64 + 16 and "wrong" not in err.replace("wrong auth token", "")
    assert graftc(capsys, url, "gwfixture.echo", '"x"', "--token", TOKEN)[:2] == (0, '"x"\n')
    (tmp_path / "t").write_text(TOKEN + "\n")
    assert graftc(capsys, url, "gwfixture.echo", '"y"', "--token-file", str(tmp_path / "t"))[0] == 0
    monkeypatch.setenv("GRAFT_TOKEN", TOKEN)
    code, out, err = graftc(capsys, url, "gwfixture.echo", '"z"')
    assert (code, out) == (0, '"z"\n')
    code, out, err = graftc(capsys, guarded.urls["http"], "--list")
    assert code == 0 and "gwfixture.echo(value: str) -> str" in out
    monkeypatch.delenv("GRAFT_TOKEN")
    code, out, err = graftc(capsys, guarded.urls["http"], "--list")
    assert code == 64 + 16 and err.startswith("UNAUTHENTICATED: ") and "only with a token" in err
    assert TOKEN not in out + err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["gwfixture.echo", "hi"], "argument 1 is not JSON: 'hi'"),
        (["gwfixture.echo", "value={"], "argument 'value' is not JSON"),
        (["gwfixture.echo", "x=1", "2"], "a positional argument after a keyword"),
        (["nosuch.echo"], "names none of the hosted modules"),
        (["gwfixture.echo", '"x"', "--metadata", "novalue"], "--metadata takes key=value"),
    ],
)
def test_bad_arguments_are_usage_errors(
    gw: GatewayThread, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, out, err = graftc(capsys, gw.urls["tcp"], *argv)
    assert (code, out) == (2, "")
    assert fragment in err and "Traceback" not in err


def test_a_refused_connection_and_no_traceback_in_a_real_process(gw: GatewayThread) -> None:
    graftc_bin = Path(sys.executable).parent / "graftc"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAFT")}
    p = subprocess.run(
        [graftc_bin, "call", "tcp://127.0.0.1:1", "gwfixture.echo", '"x"'],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert p.returncode == 64 + 14 and p.stderr.startswith("UNAVAILABLE: "), p.stderr
    p = subprocess.run(
        [graftc_bin, "call", gw.urls["tcp"], "gwfixture.echo", "{bad"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert p.returncode == 2 and "Traceback" not in p.stderr and "not JSON" in p.stderr


def test_tls_with_a_private_ca(
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    from graftcode_runtime.testing import self_signed_cert

    cert, key = self_signed_cert(tmp_path_factory.mktemp("tls"))
    config = GatewayConfig(tls_cert=str(cert), tls_key=str(key))
    with GatewayThread(["gwfixture"], config) as g:
        url = g.urls["tls"]
        assert graftc(capsys, url, "gwfixture.echo", '"t"', "--ca-file", str(cert))[:2] == (
            0,
            '"t"\n',
        )
        assert graftc(capsys, url, "gwfixture.echo", '"t"', "--insecure")[0] == 0
        code, _, err = graftc(capsys, url, "gwfixture.echo", '"t"')  # the system CAs only
        assert code == 64 + 14 and err.startswith("UNAVAILABLE: "), err
