"""Vision's Go tab: the install lines are the GOPROXY settings and `go get`, and every member's
snippet is a program that compiles (`go vet`) against the generated module."""

from __future__ import annotations

from pathlib import Path

import gohelp
import pytest
from graftc.idl import load
from graftc.targets import get
from graftc.targets.common.walk import members_of
from graftcode_runtime import ugm
from graftcode_runtime.introspect import export_module, load_module


def _module(source: Path) -> ugm.Module:
    if source.suffix == ".graft":
        return load(source)
    return export_module(load_module(str(source))).module


def test_install_names_the_proxy_and_the_checksum_setting() -> None:
    text = get("go").snippets.install("http://10.0.0.5:7472", "shop", "v1.2.0")
    assert "export GOPROXY=http://10.0.0.5:7472/go GONOSUMDB=graftcode.dev" in text
    assert "GOPRIVATE" not in text
    assert text.splitlines()[-1] == "go get graftcode.dev/g/shop@v1.2.0"


# streaming members: a Next loop over results, an iterator function for stream parameters
STREAMS = {"tsstream": gohelp.ROOT / "tests" / "typescript" / "fixtures" / "tsstream.py"}


def test_a_streaming_member_snippet_loops() -> None:
    module = _module(STREAMS["tsstream"])
    by_id = {m.id: m for m in members_of(module)}
    count = get("go").snippets.usage(by_id["tsstream.tsstream.count"], "1.0.0")
    assert (
        "items := client.Count(ctx, 1, nil)\n\tdefer items.Close()\n\tfor items.Next() {" in count
    )
    shout = get("go").snippets.usage(by_id["tsstream.tsstream.shout"], "1.0.0")
    assert 'client.Shout(ctx, func(yield func(string) bool) { yield("words") })' in shout


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["shop", "calculator", "edge", "kitchen", "shapes", "tsfixture", "gofixture", "tsstream"],
)
def test_every_snippet_compiles(name: str, tmp_path: Path) -> None:
    go = gohelp.go_bin()
    gofixture = gohelp.ROOT / "tests" / "go_target" / "fixtures" / "gofixture.py"
    source = {**gohelp.EXAMPLES, **gohelp.FIXTURES, **STREAMS, "gofixture": gofixture}[name]
    module = _module(source)
    generated = gohelp.build(source, tmp_path / "module")
    path = gohelp.run([go, "list", "-m"], generated, env=gohelp.go_env()).strip()
    snippets = get("go").snippets
    app = gohelp.consumer(tmp_path / "app", generated, path, "package main\n\nfunc main() {}\n")
    for i, member in enumerate(members_of(module)):
        d = app / f"s{i}"
        d.mkdir()
        (d / "main.go").write_text("package main\n\n" + snippets.usage(member, module.version))
    gofmt = str(Path(go).parent / "gofmt")
    assert gohelp.run([gofmt, "-l", "."], app) == ""
    gohelp.run([go, "vet", "./..."], app)
