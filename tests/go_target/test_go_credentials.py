"""Credentials as configuration for Go (issue 16), end to end: a generated Go client
authenticates to a real `graftc serve --auth-token` gateway with the token from code,
`GRAFT_<MODULE>_TOKEN`, `GRAFT_<MODULE>_TOKEN_FILE`, graftcode.toml's `token` and `token_file`;
without a token, or with a wrong one, the call is refused (UNAUTHENTICATED) before the hosted
function runs (it would leave a file behind), and the token is in no output or log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import gohelp
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("go_target_credentials")]
FIXTURE = gohelp.ROOT / "tests" / "typescript" / "fixtures" / "tsfixture.py"
TOKEN = "tok-" + "9Gw" * 6  # distinctive, so a leak is found by a plain search

PROGRAM = """\
package main

import (
	"context"
	"fmt"
	"os"

	graft "graftcode.dev/runtime"
	tsfixture "graftcode.dev/g/tsfixture"
)

func main() {
	client := tsfixture.New()
	if len(os.Args) > 2 {
		client = tsfixture.New(tsfixture.WithToken(os.Args[2]))
	}
	defer client.Close()
	got, err := client.Touch(context.Background(), os.Args[1])
	if err != nil {
		fmt.Println("error", graft.CodeOf(err), err)
		return
	}
	fmt.Println("result", got)
}
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[str]]]:
    traces = tmp_path_factory.mktemp("traces")
    cmd = [sys.executable, "-m", "graftc.cli", "serve", str(FIXTURE), "--tcp", "127.0.0.1:0"]
    proc = subprocess.Popen(
        [*cmd, "--auth-token", TOKEN, "--debug"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TSFIXTURE_TRACE_DIR": str(traces)},
    )
    log: list[str] = []
    try:
        assert proc.stdout is not None
        url = ""
        for line in proc.stdout:
            log.append(line)
            m = re.match(r"graftc: listening (\S+)", line)
            if m:
                url = m.group(1)
                break
        assert url, "".join(log)
        threading.Thread(target=lambda: log.extend(proc.stdout or ()), daemon=True).start()
        yield url, traces, log
    finally:
        proc.terminate()
        proc.wait(10)
    assert TOKEN not in "".join(log)


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = gohelp.go_bin()
    root = tmp_path_factory.mktemp("go")
    module = gohelp.build(FIXTURE, root / "tsfixture")
    app = gohelp.consumer(root / "app", module, "graftcode.dev/g/tsfixture", PROGRAM)
    gohelp.run([go, "build", "-o", str(root / "caller"), "."], app)
    return root / "caller"


def call(binary: Path, cwd: Path, name: str, *argv: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRAFT_")}
    out = gohelp.run([str(binary), name, *argv], cwd, env={**clean, **env}, timeout=60)
    assert TOKEN not in out
    return out.strip()


def test_a_token_from_each_source_authenticates(
    served: tuple[str, Path, list[str]], binary: Path, tmp_path: Path
) -> None:
    url, traces, _ = served
    where = {"GRAFT_TSFIXTURE_URL": url}
    assert call(binary, tmp_path, "code", TOKEN, **where) == "result code"
    assert call(binary, tmp_path, "env", GRAFT_TSFIXTURE_TOKEN=TOKEN, **where) == "result env"
    (tmp_path / "secret").write_text(TOKEN + "\n")  # as `echo` writes it
    out = call(
        binary, tmp_path, "file", GRAFT_TSFIXTURE_TOKEN_FILE=str(tmp_path / "secret"), **where
    )
    assert out == "result file"
    toml = tmp_path / "toml"
    toml.mkdir()
    (toml / "graftcode.toml").write_text(f'[modules.tsfixture]\nurl = "{url}"\ntoken = "{TOKEN}"\n')
    assert call(binary, toml, "tomltoken") == "result tomltoken"
    (toml / "secret").write_text(TOKEN)
    (toml / "graftcode.toml").write_text(
        f'[modules.tsfixture]\nurl = "{url}"\ntoken_file = "secret"\n'
    )
    assert call(binary, toml, "tomlfile") == "result tomlfile"
    assert {p.name for p in traces.iterdir()} >= {"code", "env", "file", "tomltoken", "tomlfile"}


def test_no_token_or_a_wrong_one_is_refused_before_user_code(
    served: tuple[str, Path, list[str]], binary: Path, tmp_path: Path
) -> None:
    url, traces, _ = served
    where = {"GRAFT_TSFIXTURE_URL": url}
    out = call(binary, tmp_path, "none", **where)
    assert out.startswith("error UNAUTHENTICATED"), out
    out = call(binary, tmp_path, "wrong", "not-" + TOKEN[4:], **where)
    assert out.startswith("error UNAUTHENTICATED"), out
    assert TOKEN[4:] not in out
    # code beats the environment: a wrong token in code over the right one in GRAFT_*_TOKEN
    out = call(binary, tmp_path, "beaten", "wrong", GRAFT_TSFIXTURE_TOKEN=TOKEN, **where)
    assert out.startswith("error UNAUTHENTICATED"), out
    for name in ("none", "wrong", "beaten"):
        assert not (traces / name).exists()
