"""Credentials as configuration, end to end: a generated Python client authenticates to a real
`graftc serve --auth-token` gateway with a token from code, `GRAFT_<MODULE>_TOKEN`, a token
file (`GRAFT_<MODULE>_TOKEN_FILE`) and graftcode.toml; without a token, or with a wrong one, the
call is refused before the hosted function runs (it would leave a file behind), and the token
never appears in the client's output, the gateway's log, repr() or error messages."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from graftcode_runtime.config import ConfigError, Settings, configure, reset, resolve

from .support import FIXTURES, VENV_BIN, build, export, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("python_target_credentials")]

TOKEN = "tok-" + "7Qz" * 6  # distinctive, so a leak is found by a plain search
CONSUMER = """
import sys, graft_guarded
from graftcode_runtime import GraftError
if len(sys.argv) > 2:
    graft_guarded.configure(token=sys.argv[2])
try:
    print("result", graft_guarded.guarded.touch(sys.argv[1]))
except GraftError as e:
    print("error", e.code.name, e)
"""


@dataclass
class Served:
    url: str
    traces: Path
    log: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    traces = tmp_path_factory.mktemp("traces")
    serve = ["serve", FIXTURES / "guarded.py", "--tcp", "127.0.0.1:0", "--auth-token", TOKEN]
    proc = subprocess.Popen(
        [VENV_BIN / "graftc", *serve, "--debug"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "GUARDED_TRACE_DIR": str(traces)},
    )
    served = Served("", traces)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            served.log.append(line)
            m = re.match(r"graftc: listening (\S+)", line)
            if m:
                served.url = m.group(1)
                break
        assert served.url, "".join(served.log)
        threading.Thread(target=lambda: served.log.extend(proc.stdout or ()), daemon=True).start()
        yield served
    finally:
        proc.terminate()
        proc.wait(10)
    assert TOKEN not in "".join(served.log)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pkg")
    build(export("guarded"), root / "graft-guarded")
    (root / "consumer.py").write_text(CONSUMER)
    return root


def call(package: Path, cwd: Path, name: str, *argv: str, **env: str) -> str:
    clean = {k: "" for k in os.environ if k.startswith("GRAFT_")}
    result = run(
        [VENV_BIN / "python", package / "consumer.py", name, *argv],
        cwd=cwd,
        **clean,
        PYTHONPATH=str(package / "graft-guarded"),
        **env,
    )
    assert result.returncode == 0, result.output
    assert TOKEN not in result.output
    return result.output.strip()


def test_a_token_from_each_source_authenticates(
    gateway: Served, package: Path, tmp_path: Path
) -> None:
    url = {"GRAFT_GUARDED_URL": gateway.url}
    assert call(package, tmp_path, "code", TOKEN, **url) == "result code"
    assert call(package, tmp_path, "env", GRAFT_GUARDED_TOKEN=TOKEN, **url) == "result env"
    (tmp_path / "secret").write_text(TOKEN + "\n")  # as `echo` writes it
    out = call(package, tmp_path, "file", GRAFT_GUARDED_TOKEN_FILE=str(tmp_path / "secret"), **url)
    assert out == "result file"
    toml = tmp_path / "toml"
    toml.mkdir()
    (toml / "secret").write_text(TOKEN)
    (toml / "graftcode.toml").write_text(
        f'[modules.guarded]\nurl = "{gateway.url}"\ntoken_file = "secret"\n'
    )
    assert call(package, toml, "tomlfile") == "result tomlfile"
    (toml / "graftcode.toml").write_text(
        f'[modules.guarded]\nurl = "{gateway.url}"\ntoken = "{TOKEN}"\n'
    )
    assert call(package, toml, "tomltoken") == "result tomltoken"
    assert {p.name for p in gateway.traces.iterdir()} >= {"code", "env", "file", "tomlfile"}


def test_no_token_or_a_wrong_one_is_refused_before_user_code(
    gateway: Served, package: Path, tmp_path: Path
) -> None:
    url = {"GRAFT_GUARDED_URL": gateway.url}
    out = call(package, tmp_path, "none", **url)
    assert out.startswith("error UNAUTHENTICATED"), out
    out = call(package, tmp_path, "wrong", "not-" + TOKEN[4:], **url)
    assert out.startswith("error UNAUTHENTICATED"), out
    assert TOKEN[4:] not in out
    # a higher level beats a lower one: a wrong token in code over the right one in env
    out = call(package, tmp_path, "beaten", "wrong", GRAFT_GUARDED_TOKEN=TOKEN, **url)
    assert out.startswith("error UNAUTHENTICATED"), out
    assert not (gateway.traces / "none").exists()
    assert not (gateway.traces / "wrong").exists()
    assert not (gateway.traces / "beaten").exists()


# ------------------------------------------------------------------ resolution, without a network


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in [k for k in os.environ if k.startswith("GRAFT_")]:
        monkeypatch.delenv(key)
    reset()
    yield
    reset()


def test_the_highest_level_wins_across_token_and_token_file(clean: None, tmp_path: Path) -> None:
    env = {"GRAFT_M_URL": "tcp://h:1", "GRAFT_M_TOKEN_FILE": str(tmp_path / "t")}
    (tmp_path / "f.toml").write_text('[modules.m]\ntoken = "from-the-file"\n')
    r = resolve("m", environ=env, config_file=tmp_path / "f.toml")
    assert (r.token, r.token_file) == (None, str(tmp_path / "t"))
    configure("m", token=TOKEN)
    r = resolve("m", environ=env, config_file=tmp_path / "f.toml")
    assert (r.token_file, r.auth(), r.sources["token"]) == (None, TOKEN, "configure()")


def test_a_token_file_is_read_at_each_connect(clean: None, tmp_path: Path) -> None:
    secret = tmp_path / "t"
    secret.write_text("first\r\n")
    r = resolve("m", Settings(url="tcp://h:1", token_file=str(secret)), environ={})
    assert r.auth() == "first"
    secret.write_text("rotated\n")
    assert r.auth() == "rotated"
    secret.write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        r.auth()


def test_no_global_token_and_no_token_in_defaults(clean: None, tmp_path: Path) -> None:
    r = resolve("m", environ={"GRAFT_M_URL": "tcp://h:1", "GRAFT_TOKEN": TOKEN})
    assert r.token is None
    (tmp_path / "g.toml").write_text(f'[defaults]\ntoken = "{TOKEN}"\n')
    with pytest.raises(ConfigError, match=r"token belongs in \[modules") as e:
        resolve("m", environ={"GRAFT_M_URL": "tcp://h:1"}, config_file=tmp_path / "g.toml")
    assert TOKEN not in str(e.value)


def test_both_spellings_on_one_level_are_refused(clean: None) -> None:
    with pytest.raises(ConfigError, match="not both"):
        resolve("m", Settings(url="tcp://h:1", token="a", token_file="b"), environ={})


def test_the_token_is_never_in_repr(clean: None) -> None:
    configure("m", url="tcp://h:1", token=TOKEN)
    r = resolve("m", environ={})
    assert TOKEN not in repr(r) + str(r) + repr(Settings(token=TOKEN))
    with pytest.raises(ConfigError) as e:
        configure("m", token=12345)
    assert "12345" not in str(e.value)


def test_tls_settings_from_the_environment(clean: None) -> None:
    env = {
        "GRAFT_M_URL": "tls://h:1",
        "GRAFT_M_TLS_CA": "/ca.pem",
        "GRAFT_M_TLS_VERIFY": "false",
        "GRAFT_M_TLS_SERVER_NAME": "gw.internal",
    }
    tls = resolve("m", environ=env).tls
    assert tls is not None
    assert (tls.ca_file, tls.verify, tls.server_hostname) == ("/ca.pem", False, "gw.internal")


def test_configure_replaces_one_spelling_with_the_other(clean: None) -> None:
    configure("m", url="tcp://h:1", token_file="/run/secrets/t")
    configure("m", token=TOKEN)
    r = resolve("m", environ={})
    assert (r.token, r.token_file) == (TOKEN, None)
    configure("m", token_file="/run/secrets/t")
    assert resolve("m", environ={}).token is None
    configure("m", token=TOKEN, token_file="/run/secrets/t")
    with pytest.raises(ConfigError, match="not both"):
        resolve("m", environ={})
