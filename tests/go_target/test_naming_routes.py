"""Go names and versions, and the GOPROXY routes answered in process (no `go` needed)."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import gohelp
import pytest
from graftc.devserver.http import DevServer
from graftc.devserver.store import PackageStore
from graftc.idl import load
from graftc.targets.common.naming import VersionError
from graftc.targets.go import naming, routes

HOST = [("Host", "127.0.0.1:7472")]


def test_module_paths_and_package_names() -> None:
    assert naming.module_path("shop") == "graftcode.dev/g/shop"
    assert naming.module_path("acme.edge") == "graftcode.dev/g/acme-edge"
    assert naming.package_name("acme.edge") == "acmeedge"
    assert naming.package_name("type") == "type_"
    assert naming.versioned_path("kitchen", "v2.0.0") == "graftcode.dev/g/kitchen/v2"
    assert naming.versioned_path("shop", "v1.2.0") == "graftcode.dev/g/shop"


def test_identifiers() -> None:
    assert naming.exported("list_products") == "ListProducts"
    assert naming.exported("user_id") == "UserID"
    assert naming.exported("Cart") == "Cart"
    assert naming.unexported("unit_price") == "unitPrice"
    assert naming.unexported("func") == "func_"
    assert naming.unexported("ctx") == "ctx_"
    assert naming.unexported("map_error") == "mapError_"  # the package's own helpers
    assert naming.unexported("to_wire_str") == "toWireStr_"
    assert naming.handle_member("close") == "Close_"


@pytest.mark.parametrize(
    ("version", "build", "go"),
    [
        ("1.2.0", 0, "v1.2.0"),
        ("1.2", 0, "v1.2.0"),
        ("1.2.0", 3, "v1.2.0-build.3"),
        ("0.3.0-rc.1", 1, "v0.3.0-rc.1.build.1"),
        ("1.0.0+meta", 0, "v1.0.0"),
    ],
)
def test_versions(version: str, build: int, go: str) -> None:
    assert naming.version(version, build) == go


def test_a_version_go_cannot_spell_is_refused() -> None:
    with pytest.raises(VersionError):
        naming.version("banana", 0)


def test_case_encoding() -> None:
    assert routes.decode_path("github.com/!azure/x") == "github.com/Azure/x"


def _server(tmp_path: Path) -> DevServer:
    module = load(gohelp.EXAMPLES["calculator"])
    store = PackageStore([module], cache_dir=tmp_path)
    return DevServer(store, endpoints=["tcp://0.0.0.0:7470", "ws://0.0.0.0:7471"])


def test_goproxy_routes(tmp_path: Path) -> None:
    gohelp.go_bin()  # gofmt formats what is packed
    server = _server(tmp_path)
    base = "/go/graftcode.dev/g/calculator/@v/"
    assert server.handle("GET", base + "list", HOST).body == b"v1.0.0\n"
    info = server.handle("GET", base + "v1.0.0.info", HOST)
    assert json.loads(info.body)["Version"] == "v1.0.0"
    latest = server.handle("GET", "/go/graftcode.dev/g/calculator/@latest", HOST)
    assert latest.body == info.body
    mod = server.handle("GET", base + "v1.0.0.mod", HOST).body
    assert mod.splitlines()[1] == b"module graftcode.dev/g/calculator"
    assert b"require graftcode.dev/runtime v0.1.0" in mod
    z = zipfile.ZipFile(io.BytesIO(server.handle("GET", base + "v1.0.0.zip", HOST).body))
    names = z.namelist()
    assert all(n.startswith("graftcode.dev/g/calculator@v1.0.0/") for n in names)
    assert z.read("graftcode.dev/g/calculator@v1.0.0/go.mod") == mod
    client = z.read("graftcode.dev/g/calculator@v1.0.0/client.go").decode()
    assert 'DefaultURL = "tcp://127.0.0.1:7470"' in client  # the host the request named
    runtime = server.handle("GET", "/go/graftcode.dev/runtime/@v/v0.1.0.zip", HOST)
    rz = zipfile.ZipFile(io.BytesIO(runtime.body))
    assert "graftcode.dev/runtime@v0.1.0/go.mod" in rz.namelist()
    for missing in (
        base + "v9.0.0.zip",
        "/go/graftcode.dev/g/@v/list",
        "/go/graftcode.dev/g/nope/@v/list",
        "/go/sumdb/sum.golang.org/supported",
        "/go/graftcode.dev/g/calculator",
    ):
        assert server.handle("GET", missing, HOST).status == 404, missing
    assert server.handle("GET", "/go", HOST).body.decode().splitlines()[-1] == (
        "go get graftcode.dev/g/calculator@v1.0.0"
    )


def test_a_changed_surface_gets_a_new_version(tmp_path: Path) -> None:
    module = load(gohelp.EXAMPLES["calculator"])
    PackageStore([module], cache_dir=tmp_path).version("go", "calculator")
    changed = dataclasses.replace(module, decls=module.decls[:-1])
    store = PackageStore([changed], cache_dir=tmp_path)
    assert store.version("go", "calculator") == "v1.0.0-build.1"
