"""Targets as plugins: one folder each with the same modules, a dev server that names no
language, and a toy target (tests/devserver/toy_target.py) that joins `graftc build`, Vision
and the package routes through one registry entry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from graftc import targets
from graftc.cli import main
from graftc.devserver import DevServer, PackageStore, make_routes, members_of
from graftc.targets._plugin import MODULES

from . import toy_target
from .conftest import HOST
from .fixtures import calculator

ROOT = Path(__file__).resolve().parents[2]
COMPILER = ROOT / "compiler" / "graftc"
REAL = ("python", "typescript", "go")

# Package-manager and language vocabulary that must stay inside the targets, on top of every
# registered target's own name, label and route prefix. (Not `node`: the UGM has nodes.)
VOCABULARY = {
    "pip",
    "pypi",
    "pep",
    "wheel",
    "wheels",
    "whl",
    "setuptools",
    "npm",
    "tarball",
    "tarballs",
    "tgz",
    "packument",
    "tsc",
    "prettier",
    "javascript",
    "nodejs",
    "python",
    "typescript",
    "gofmt",
    "goproxy",
}


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> Iterator[targets.Target]:
    """The toy target, registered the way a real one is: one registry line."""
    monkeypatch.setitem(targets._REGISTRY, "toy", toy_target.__name__)
    yield targets.get("toy")


@pytest.mark.parametrize("name", REAL)
def test_every_target_is_one_folder_with_the_same_modules(name: str) -> None:
    folder = COMPILER / "targets" / name
    assert sorted(p.stem for p in folder.glob("*.py")) == sorted(MODULES)
    assert (folder / "templates").is_dir()
    assert (ROOT / "runtime" / name).is_dir()  # and its runtime
    target = targets.get(name)
    assert isinstance(target, targets.Target) and target.name == name


def _words(target: targets.Target) -> set[str]:
    return {target.name, target.label, target.index.prefix} | VOCABULARY


def test_the_devserver_names_no_language() -> None:
    """No registered target's name, label or route prefix, nor any package-manager word, in any
    devserver source (Python, script, style sheet), as a whole word, in any case."""
    words = set().union(*(_words(t) for t in targets.available()))
    assert {"python", "typescript", "pypi", "npm"} <= words
    pattern = re.compile(
        r"(?<![a-z0-9])(" + "|".join(map(re.escape, sorted(words))) + r")(?![a-z0-9])"
    )
    found = []
    for path in sorted((COMPILER / "devserver").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".js", ".css", ".html", ".j2"):
            for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                for m in pattern.finditer(line.lower()):
                    found.append(f"{path.relative_to(COMPILER)}:{n}: {m.group(1)}")
    assert found == []


def test_the_scan_would_catch_a_language(tmp_path: Path) -> None:
    # the rule above, on lines it must flag and lines it must let through
    words = _words(targets.get("python")) | _words(targets.get("typescript"))
    pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, words)) + r")(?![a-z0-9])")
    for line in ['if target == "python":', "PREFIXES = ('/pypi', '/npm')", "a Wheel", "TypeScript"]:
        assert pattern.search(line.lower()), line
    for line in ["def pipeline(node):", "wheelbarrow", "shipping", "jsonify"]:
        assert not pattern.search(line.lower()), line


def test_a_toy_target_joins_graftc_build(
    toy: targets.Target, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    assert "toy" in capsys.readouterr().out  # among the --target choices
    graft = tmp_path / "calc.graft"
    graft.write_text(
        'module calc version "1.0.0";\nservice calc {\n    fn add(a: int, b: float = 1.5);\n}\n'
    )
    out = tmp_path / "out"
    assert main(["build", str(graft), "--target", "toy", "-o", str(out)]) == 0
    assert (out / "toy.txt").read_text() == (
        "toy module calc 1.0.0 calls tcp://127.0.0.1:7470\ncalc.add()\n  b = 1.5f\n"
    )
    (out / "toy.txt").write_text("my own\n")  # not graftc's: the target's manifest guards it
    assert main(["build", str(graft), "--target", "toy", "-o", str(out)]) == 1


def test_a_toy_target_gets_a_vision_tab(toy: targets.Target, tmp_path: Path) -> None:
    server = DevServer(PackageStore([calculator()], cache_dir=tmp_path), endpoints=["tcp://h:1"])
    page = server.handle("GET", "/", HOST).body.decode()
    assert (
        '<button role="tab" class="tab" aria-selected="false" data-target="toy">Toy</button>'
        in page
    )
    install = "toy-get http://127.0.0.1:7472/toy/graft-calculator-1.0.0-toy0.toy"
    assert f'<pre class="install" data-target="toy"><code>{install}</code></pre>' in page
    assert "toy.url = tcp://h:1" in page
    assert '<a href="/toy/">Toy index</a>' in page
    blob = page.split('<script type="application/json" id="snippets">')[1].split("</script>")[0]
    snippets = json.loads(blob)
    for member in members_of(calculator()):
        assert snippets[member.id]["toy"] == f"toy call {member.id}"
        assert {"python", "typescript"} <= set(snippets[member.id])  # the others stay


def test_a_toy_target_gets_its_package_route(toy: targets.Target, tmp_path: Path) -> None:
    server = DevServer(
        PackageStore([calculator()], cache_dir=tmp_path), endpoints=["tcp://0.0.0.0:7470"]
    )
    commands = server.handle("GET", "/toy", HOST)
    install = "toy-get http://127.0.0.1:7472/toy/graft-calculator-1.0.0-toy0.toy\n"
    assert commands.status == 200 and commands.body.decode() == install
    r = server.handle("GET", "/toy/graft-calculator-1.0.0-toy0.toy", HOST)
    assert r.status == 200 and dict(r.headers)["Content-Type"] == "text/plain"
    assert r.body.startswith(b"toy module calculator 1.0.0-toy0 calls tcp://127.0.0.1:7470\n")
    assert server.handle("GET", "/toy/graft-calculator-9.toy", HOST).status == 404
    assert server.handle("GET", "/toy/../pypi/simple/", HOST).status == 404
    # built once, cached on disk under the target's name like any other
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["toy"]
    routes = make_routes([calculator()], cache_dir=tmp_path)
    assert [r.prefix for r in routes] == ["/", "/vision", "/pypi", "/npm", "/go", "/toy"]


def test_without_the_registry_line_there_is_no_toy(tmp_path: Path) -> None:
    assert "toy" not in targets.names()
    server = DevServer(PackageStore([calculator()], cache_dir=tmp_path))
    assert server.handle("GET", "/toy", HOST).status == 404
    assert 'data-target="toy"' not in server.handle("GET", "/", HOST).body.decode()
