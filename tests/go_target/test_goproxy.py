"""The gateway as a GOPROXY: the routes by hand, then `go get` in a fresh module exactly as
Vision tells the user (a temporary GOPATH and module cache), `go build`, and a run that calls
the gateway it was fetched from with no configuration."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import gohelp
import pytest

from examples.demo._gateway import gateway

SHOP = gohelp.ROOT / "examples" / "shop.py"
MAIN = """\
package main

import (
	"context"
	"fmt"

	shop "graftcode.dev/g/shop"
)

func main() {
	client := shop.New()
	defer client.Close()
	p, err := client.GetProduct(context.Background(), "B-1")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Sku, p.Category)
}
"""


def _get(base: str, path: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(base + path, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.slow
def test_go_get_through_the_gateway_then_build_and_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = gohelp.go_bin()
    args = ("--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0")
    monkeypatch.setenv("GRAFTC_CACHE_DIR", str(tmp_path / "cache"))  # the gateway's
    with gateway(str(SHOP), *args, listeners=2) as urls:
        http = next(u for u in urls if u.startswith("http")).rstrip("/")
        status, body = _get(http, "/go/graftcode.dev/g/shop/@v/list")
        assert (status, body) == (200, b"v1.2.0\n")
        status, body = _get(http, "/go/graftcode.dev/g/shop/@v/v1.2.0.info")
        assert status == 200 and json.loads(body)["Version"] == "v1.2.0"
        status, mod = _get(http, "/go/graftcode.dev/g/shop/@v/v1.2.0.mod")
        assert status == 200 and b"module graftcode.dev/g/shop\n" in mod
        status, data = _get(http, "/go/graftcode.dev/g/shop/@v/v1.2.0.zip")
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert status == 200 and "graftcode.dev/g/shop@v1.2.0/go.mod" in names
        assert (
            zipfile.ZipFile(io.BytesIO(data)).read(
                names[names.index("graftcode.dev/g/shop@v1.2.0/go.mod")]
            )
            == mod
        )
        assert _get(http, "/go/graftcode.dev/runtime/@latest")[0] == 200
        assert _get(http, "/go/graftcode.dev/g/@v/list")[0] == 404
        assert _get(http, "/go/graftcode.dev/g/shop/@v/v9.9.9.zip")[0] == 404
        assert _get(http, "/go/sumdb/sum.golang.org/supported")[0] == 404

        status, body = _get(http, "/go")
        command = body.decode()  # what Vision shows, line for line
        exports = [
            ln.removeprefix("export ") for ln in command.splitlines() if ln.startswith("export ")
        ]
        get_line = next(ln for ln in command.splitlines() if ln.startswith("go get "))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GRAFT", "GO"))  # a machine with Go and no other setup
        }
        env.update(item.split("=", 1) for e in exports for item in e.split())
        env.update(
            GOPATH=str(tmp_path / "gopath"),
            GOMODCACHE=str(tmp_path / "gopath" / "pkg" / "mod"),
        )
        app = tmp_path / "app"
        app.mkdir()
        gohelp.run([go, "mod", "init", "example.com/app"], app, env=env)
        try:
            gohelp.run(get_line.split(), app, env=env)
            (app / "main.go").write_text(MAIN)
            gohelp.run([go, "build", "-o", str(tmp_path / "app.bin"), "."], app, env=env)
            out = gohelp.run([str(tmp_path / "app.bin")], tmp_path, env=env)
            assert out.split() == ["B-1", "BOOKS"]  # no URL given: the gateway it came from
        finally:
            gohelp.run([go, "clean", "-modcache"], app, env=env)  # its files are read-only
