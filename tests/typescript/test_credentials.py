"""Credentials as configuration in the generated TypeScript client (Node): against a real
`graftc serve --auth-token` gateway, a token from code (`token`), `GRAFT_<MODULE>_TOKEN`, a
token file from code (`tokenFile`) and from `GRAFT_<MODULE>_TOKEN_FILE`, and `token` or
`token_file` in graftcode.toml (./graftcode.toml or $GRAFT_CONFIG) authenticates; no token
or a wrong one is refused before the hosted function runs (it would leave a file behind), and
the token never appears in what the client prints, errors included."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import tsharness

pytestmark = [pytest.mark.slow, pytest.mark.node]

TOKEN = "tok-" + "Kx9" * 6
SCRIPT = """
import { writeFileSync } from "node:fs";
import { connect } from "graft-tsfixture";
const [url, name, mode, arg] = process.argv.slice(2);
if (process.env.CHDIR) process.chdir(process.env.CHDIR);
const attempt = async (options) => {
  try {
    const c = await connect(options);
    try { return `result ${await c.tsfixture.touch(name)}`; } finally { await c.close(); }
  } catch (e) { return `error ${e.code} ${e.name}: ${e.message}`; }
};
const options = url === "-" ? {} : { url };
if (mode === "token") options.token = arg;
if (mode === "tokenFile") options.tokenFile = arg;
const out = [];
if (mode === "rotate") {
  // the file is read at each connect: a wrong token first, then the rotated, right one
  writeFileSync(arg + ".file", "wrong\\n");
  out.push(await attempt({ url, tokenFile: arg + ".file" }));
  writeFileSync(arg + ".file", process.env.ROTATED + "\\n");
  out.push(await attempt({ url, tokenFile: arg + ".file" }));
} else out.push(await attempt(options));
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ts-traces")


@pytest.fixture(scope="module")
def guarded(traces: Path) -> Iterator[tsharness.Gateway]:
    gw = tsharness.start_gateway(
        "tsfixture", extra=("--auth-token", TOKEN), env={"TSFIXTURE_TRACE_DIR": str(traces)}
    )
    try:
        yield gw
    finally:
        gw.stop()


def attempt(consumer: tsharness.Consumer, url: str, name: str, *argv: str, **env: str) -> list[str]:
    script = consumer.dir / "credentials.mjs"
    script.write_text(SCRIPT)
    clean = {k: "" for k in os.environ if k.startswith("GRAFT_")}
    out = consumer.node(script, url, name, *argv, env={**clean, **env})
    assert TOKEN not in out and TOKEN[4:] not in out
    result: list[str] = json.loads(out)
    return result


@pytest.mark.parametrize("scheme", ["tcp", "ws"])
def test_each_source_authenticates(
    consumer: tsharness.Consumer,
    guarded: tsharness.Gateway,
    traces: Path,
    tmp_path: Path,
    scheme: str,
) -> None:
    url = guarded.url(scheme)
    secret = tmp_path / "secret"
    secret.write_text(TOKEN + "\n")
    runs = {
        "code": attempt(consumer, url, f"code-{scheme}", "token", TOKEN),
        "env": attempt(consumer, url, f"env-{scheme}", GRAFT_TSFIXTURE_TOKEN=TOKEN),
        "file": attempt(consumer, url, f"file-{scheme}", "tokenFile", str(secret)),
        "envfile": attempt(
            consumer, url, f"envfile-{scheme}", GRAFT_TSFIXTURE_TOKEN_FILE=str(secret)
        ),
    }
    for source, out in runs.items():
        assert out == [f"result {source}-{scheme}"], out
        assert (traces / f"{source}-{scheme}").exists()


def test_refused_before_user_code(
    consumer: tsharness.Consumer, guarded: tsharness.Gateway, traces: Path, tmp_path: Path
) -> None:
    url = guarded.url("tcp")
    for name, argv, env in [
        ("none", (), {}),
        ("wrong", ("token", "not-" + TOKEN[4:]), {}),
        # code beats the environment: the wrong token in code wins over the right one in env
        ("beaten", ("token", "wrong"), {"GRAFT_TSFIXTURE_TOKEN": TOKEN}),
        # a global token is not read (it would go to every module's gateway)
        ("global", (), {"GRAFT_TOKEN": TOKEN}),
    ]:
        (out,) = attempt(consumer, url, name, *argv, **env)
        assert out.startswith("error 16 "), out  # UNAUTHENTICATED
        assert not (traces / name).exists()


def test_a_token_file_is_read_at_each_connect(
    consumer: tsharness.Consumer, guarded: tsharness.Gateway, traces: Path, tmp_path: Path
) -> None:
    out = attempt(
        consumer, guarded.url("tcp"), "rotated", "rotate", str(tmp_path / "t"), ROTATED=TOKEN
    )
    assert out[0].startswith("error 16 ") and out[1] == "result rotated", out


def test_graftcode_toml(
    consumer: tsharness.Consumer, guarded: tsharness.Gateway, traces: Path, tmp_path: Path
) -> None:
    url = guarded.url("tcp")
    (tmp_path / "secret").write_text(TOKEN + "\n")
    (tmp_path / "graftcode.toml").write_text(
        f'[defaults]\ntimeout = 30\n\n[modules.tsfixture]\nurl = "{url}"\ntoken_file = "secret"\n'
    )
    # ./graftcode.toml, the URL and a token file (relative to the file) from it alone
    assert attempt(consumer, "-", "toml-file", CHDIR=str(tmp_path)) == ["result toml-file"]
    named = tmp_path / "elsewhere.toml"
    named.write_text(f'[modules.tsfixture]\nurl = "{url}"\ntoken = "{TOKEN}"\n')
    assert attempt(consumer, "-", "toml-token", GRAFT_CONFIG=str(named)) == ["result toml-token"]
    # the environment beats the file
    (out,) = attempt(
        consumer, "-", "toml-beaten", GRAFT_CONFIG=str(named), GRAFT_TSFIXTURE_TOKEN="wrong"
    )
    assert out.startswith("error 16 "), out
    # a token in [defaults] would go to every module's gateway: refused, without quoting it
    named.write_text(f'[defaults]\ntoken = "{TOKEN}"\n')
    (out,) = attempt(consumer, url, "toml-defaults", GRAFT_CONFIG=str(named))
    assert "token belongs in [modules.<name>]" in out, out
    named.write_text(f'[modules.tsfixture]\ntoken = "{TOKEN}\n')  # unterminated string
    (out,) = attempt(consumer, url, "toml-broken", GRAFT_CONFIG=str(named))
    assert "not valid TOML at line 2" in out, out
    assert (traces / "toml-file").exists() and (traces / "toml-token").exists()
    assert not (traces / "toml-beaten").exists()
