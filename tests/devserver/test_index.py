"""The package routes as package managers use them, through the sans-IO DevServer."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path

import pytest
from graftc.devserver import DevServer, PackageStore
from graftc.devserver import store as store_module
from graftc.diagnostics import Diagnostic, DiagnosticError
from graftcode_runtime import ugm

from .conftest import HOST, FakeGenerator
from .fixtures import calculator


def get(server: DevServer, path: str, **headers: str):  # type: ignore[no-untyped-def]
    return server.handle("GET", path, {**HOST, **headers})


def test_simple_index_lists_clients_and_the_runtime(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    r = get(s, "/pypi/simple/")
    assert r.status == 200
    assert b'<a href="graft-calculator/">' in r.body and b'<a href="graftcode-runtime/">' in r.body
    r = get(s, "/pypi/simple/", accept="application/vnd.pypi.simple.v1+json")
    assert dict(r.headers)["Content-Type"] == "application/vnd.pypi.simple.v1+json"
    assert {p["name"] for p in json.loads(r.body)["projects"]} == {
        "graft-calculator",
        "graftcode-runtime",
    }


def test_project_page_links_a_wheel_whose_hash_matches(make_server, fake: FakeGenerator) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    page = get(s, "/pypi/simple/graft-calculator/").body.decode()
    m = re.search(r'href="\.\./\.\./files/([^"#]+)#sha256=([0-9a-f]{64})"', page)
    assert m, page
    assert m.group(1) == "graft_calculator-1.0.0-py3-none-any.whl"
    assert 'data-requires-python="&gt;=3.11"' in page  # read back from the wheel's METADATA
    wheel = get(s, f"/pypi/files/{m.group(1)}")
    assert wheel.status == 200
    assert hashlib.sha256(wheel.body).hexdigest() == m.group(2)
    # the client is generated with this gateway's call URL as its default
    assert fake.runs == [("python", "calculator", "tcp://127.0.0.1:7470")]
    doc = json.loads(
        get(s, "/pypi/simple/graft-calculator/", accept="application/vnd.pypi.simple.v1+json").body
    )
    assert doc["versions"] == ["1.0.0"]
    assert doc["files"][0]["hashes"]["sha256"] == m.group(2)
    assert doc["files"][0]["size"] == len(wheel.body)  # PEP 700: mandatory with api-version 1.1


def test_runtime_project_page_and_wheel(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    page = get(s, "/pypi/simple/graftcode-runtime/").body.decode()
    filename = re.search(r'files/([^"#]+)#', page).group(1)  # type: ignore[union-attr]
    assert filename.startswith("graftcode_runtime-")
    assert get(s, f"/pypi/files/{filename}").status == 200


def test_non_canonical_project_urls_redirect(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    r = get(s, "/pypi/simple/graft-calculator")
    assert r.status == 301 and dict(r.headers)["Location"] == "graft-calculator/"
    r = get(s, "/pypi/simple/Graft_Calculator/")
    assert r.status == 301 and dict(r.headers)["Location"] == "../graft-calculator/"


@pytest.mark.parametrize(
    "path",
    [
        "/pypi/simple/graft-nothing/",
        "/pypi/simple/numpy/",
        "/pypi/files/graft_calculator-9.9.9-py3-none-any.whl",
        "/pypi/files/graft_nothing-1.0.0-py3-none-any.whl",
        "/pypi/files/graftcode_runtime-0.0.1-py3-none-any.whl",
        "/npm/graft-nothing",
        "/npm/graft-calculator-9.9.9.tgz",
        "/npm/graft-nothing-1.0.0.tgz",
        "/npm/left-pad",
        "/vision/extra",
        "/idl/nothing.graft",
        "/nothing",
    ],
)
def test_unknown_packages_and_versions_are_404(make_server, fake: FakeGenerator, path: str) -> None:  # type: ignore[no-untyped-def]
    r = get(make_server(calculator()), path)
    assert r.status == 404, (path, r.body)


@pytest.mark.parametrize(
    "path",
    [
        "/pypi/files/../../etc/passwd",
        "/pypi/files/..%2f..%2fetc%2fpasswd",
        "/pypi/files/%2e%2e/%2e%2e/etc/passwd",
        "/pypi/simple/../../../etc/passwd",
        "/pypi/simple/%2e%2e/",
        "/npm/..%2f..%2fetc%2fpasswd",
        "/npm/../pypi/simple/",
        "/npm/graft-calculator/-/..%5c..%5cetc",
        "/pypi/files/graft_calculator-1.0.0-py3-none-any.whl%00.txt",
        "/pypi/files/%252e%252e%252fetc",
        "/idl/..%2fcalculator.graft",
    ],
)
def test_traversal_attempts_are_404(make_server, fake: FakeGenerator, path: str) -> None:  # type: ignore[no-untyped-def]
    r = get(make_server(calculator()), path)
    assert r.status == 404, (path, r.body)
    assert fake.runs == []  # nothing was even built for them


def test_concurrent_first_requests_build_once(make_server, fake: FakeGenerator) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    fake.gate = threading.Event()
    results: list[int] = []
    path = "/pypi/files/graft_calculator-1.0.0-py3-none-any.whl"

    def fetch() -> None:
        results.append(get(s, path).status)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for t in threads:
        t.start()
    assert fake.started.wait(30)  # one build is under way; the others queue on its key lock
    fake.gate.set()
    for t in threads:
        t.join(30)
    assert results == [200] * 8
    assert [r for r in fake.runs if r[0] == "python"] == [
        ("python", "calculator", "tcp://127.0.0.1:7470")
    ]


def test_a_restart_with_the_same_surface_uses_the_disk_cache(
    make_server, fake: FakeGenerator
) -> None:  # type: ignore[no-untyped-def]
    path = "/pypi/files/graft_calculator-1.0.0-py3-none-any.whl"
    first = get(make_server(calculator()), path).body
    second = get(make_server(calculator()), path).body
    assert first == second and len(fake.runs) == 1


def test_a_changed_generator_does_not_reuse_the_disk_cache(
    make_server, fake: FakeGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    path = "/pypi/files/graft_calculator-1.0.0-py3-none-any.whl"
    get(make_server(calculator()), path)
    # graftc edited (same version number), gateway restarted: its packages are built again
    monkeypatch.setattr(store_module, "generator_digest", lambda: "edited")
    get(make_server(calculator()), path)
    assert len(fake.runs) == 2


def test_a_changed_surface_under_the_same_version_gets_a_build_number(make_server) -> None:  # type: ignore[no-untyped-def]
    get(make_server(calculator()), "/pypi/simple/graft-calculator/")
    s = make_server(calculator(extra=True))  # edited module, same __version__, restarted
    assert (
        b"graft_calculator-1.0.0.post1-py3-none-any.whl"
        in get(s, "/pypi/simple/graft-calculator/").body
    )
    assert get(s, "/pypi/files/graft_calculator-1.0.0-py3-none-any.whl").status == 404
    assert get(s, "/npm/graft-calculator-1.0.0-build.1.tgz").status == 200
    assert b"graft-calculator==1.0.0.post1" in get(s, "/").body


def test_generation_failure_is_422_naming_the_member(make_server, fake: FakeGenerator) -> None:  # type: ignore[no-untyped-def]
    fake.fail = DiagnosticError(
        [
            Diagnostic(
                "calculator.graft",
                3,
                5,
                "calculator.add: type `time` is not supported by this target",
            )
        ]
    )
    s = make_server(calculator())
    r = get(s, "/pypi/simple/graft-calculator/")
    assert r.status == 422
    assert b"calculator.add" in r.body and b"not supported" in r.body
    assert get(s, "/pypi/simple/graft-calculator/").status == 422
    assert len(fake.runs) == 1  # the failure is remembered, not rebuilt per request
    assert get(s, "/").status == 200  # Vision and the rest stay up
    assert get(s, "/pypi/simple/graftcode-runtime/").status == 200


def test_an_undeclared_type_is_422_naming_the_member(make_server, fake: FakeGenerator) -> None:  # type: ignore[no-untyped-def]
    bad = ugm.Module(
        "broken",
        "1.0.0",
        (ugm.Service("broken", (ugm.Method("get", (ugm.Param("x", ugm.Named("Ghost")),)),)),),
    )
    s = make_server(bad)
    r = get(s, "/npm/broken-1.0.0.tgz".replace("broken", "graft-broken"))
    assert r.status == 422
    assert b"broken.get(x)" in r.body and b"Ghost" in r.body
    assert fake.runs == []


def test_a_version_no_package_manager_accepts_is_422(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator(version="latest"))
    r = get(s, "/pypi/simple/graft-calculator/")
    assert r.status == 422 and b"'latest'" in r.body
    assert get(s, "/").status == 200


def test_unexpected_errors_are_500_and_do_not_spread(make_server, fake: FakeGenerator) -> None:  # type: ignore[no-untyped-def]
    fake.fail = RuntimeError("boom")
    s = make_server(calculator())
    r = get(s, "/pypi/simple/graft-calculator/")
    assert r.status == 500 and b"boom" in r.body
    assert get(s, "/pypi/simple/").status == 200


def test_npm_tarball_points_at_the_runtime_on_this_gateway(make_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import gzip
    import io
    import tarfile

    s = make_server(calculator())
    r = get(s, "/npm/graft-calculator-1.0.0.tgz")
    assert r.status == 200
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(r.body))) as tar:
        f = tar.extractfile("package/package.json")
        assert f is not None
        doc = json.loads(f.read())
        assert "package/dist/index.js" in tar.getnames()
    dep = doc["dependencies"]["graftcode-runtime"]
    assert dep.startswith("http://127.0.0.1:7472/npm/graftcode-runtime-") and dep.endswith(".tgz")


def test_npm_packument(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    doc = json.loads(get(s, "/npm/graft-calculator").body)
    assert doc["dist-tags"] == {"latest": "1.0.0"}
    dist = doc["versions"]["1.0.0"]["dist"]
    assert dist["tarball"] == "http://127.0.0.1:7472/npm/graft-calculator-1.0.0.tgz"
    tgz = get(s, "/npm/graft-calculator-1.0.0.tgz").body
    assert dist["shasum"] == hashlib.sha1(tgz).hexdigest()
    assert "scripts" not in doc["versions"]["1.0.0"]


def test_install_command_routes(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    assert get(s, "/pypi").body == (
        b"pip install --extra-index-url http://127.0.0.1:7472/pypi/simple/ graft-calculator==1.0.0\n"
    )
    assert (
        get(s, "/npm").body == b"npm install http://127.0.0.1:7472/npm/graft-calculator-1.0.0.tgz\n"
    )


def test_methods_and_head(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    assert s.handle("POST", "/pypi/simple/", HOST).status == 405
    r = s.handle("HEAD", "/pypi/simple/", HOST)
    assert r.status == 200 and r.body == b""


def test_odd_host_headers_fall_back(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    r = s.handle("GET", "/pypi", {"host": 'evil"><script>'})
    assert b"<script>" not in r.body


def test_real_store_default_store_has_no_disk_cache() -> None:
    store = PackageStore([calculator()])
    assert store.version("python", "calculator") == "1.0.0"
    assert store.version("typescript", "calculator") == "1.0.0"


def test_an_error_type_used_as_a_value_is_422_naming_the_member(
    make_server, fake: FakeGenerator
) -> None:  # type: ignore[no-untyped-def]
    m = calculator()
    svc = ugm.Service("calculator", (ugm.Method("last_error", (), ugm.Named("DivisionByZero")),))
    bad = ugm.Module(m.name, m.version, (m.decls[0], svc))
    s = make_server(bad)
    r = get(s, "/pypi/simple/graft-calculator/")
    assert r.status == 422
    assert b"calculator.last_error (return)" in r.body and b"DivisionByZero" in r.body
    assert get(s, "/").status == 200


def test_a_diagnostic_is_prefixed_with_the_member_at_its_line(
    make_server, fake: FakeGenerator
) -> None:  # type: ignore[no-untyped-def]
    span = ugm.Span(10, 1, 12, 20, "calc.py")
    meth = ugm.Method("big", (ugm.Param("x", ugm.Primitive("int"), ugm.IntLit(2**60)),), span=span)
    mod = ugm.Module(
        "calc", "1.0.0", (ugm.Service("calc", (meth,), span=ugm.Span(1, 1, 30, 1, "calc.py")),)
    )
    fake.fail = DiagnosticError(
        [Diagnostic("calc.py", 11, 18, "the default is beyond JavaScript's safe integers")]
    )
    r = get(make_server(mod), "/npm/graft-calc-1.0.0.tgz")
    assert r.status == 422
    assert b"calc.big: calc.py:11:18: error: the default is beyond" in r.body


def test_install_command_list_survives_one_bad_module(make_server) -> None:  # type: ignore[no-untyped-def]
    odd = ugm.Module("odd", "1.0.0-nightly.5", ())
    body = get(make_server(calculator(), odd), "/pypi").body.decode()
    lines = body.splitlines()
    assert lines[0].endswith("graft-calculator==1.0.0")
    assert lines[1].startswith("# cannot build") and "'1.0.0-nightly.5'" in lines[1]


def test_invented_host_names_cannot_grow_the_cache_without_bound(make_server) -> None:  # type: ignore[no-untyped-def]
    s = make_server(calculator())
    page = "/pypi/simple/graft-calculator/"
    for i in range(s.max_hosts):
        assert s.handle("GET", page, {"host": f"h{i}:1"}).status == 200
    assert s.handle("GET", page, {"host": "one-too-many:1"}).status == 421
    assert s.handle("GET", page, {"host": "h0:1"}).status == 200  # known hosts still work
    assert s.handle("GET", "/", {"host": "one-too-many:1"}).status == 200  # Vision caches nothing
