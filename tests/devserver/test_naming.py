"""Package names have one home (graftc.targets.common.naming) and are valid for every package
manager as spelled; versions are each package manager's own spelling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graftc import idl
from graftc.targets import TargetOptions, get
from graftc.targets.common import naming
from graftc.targets.python import naming as py
from graftc.targets.python.lower import lower
from graftc.targets.typescript import naming as ts
from graftc.targets.typescript.lower import build_model
from graftc.targets.typescript.lower import lower as ts_lower
from graftcode_runtime import ugm

COMPILER = Path(__file__).resolve().parents[2] / "compiler" / "graftc"
# PEP 508's rule for a project name (ASCII letters and digits at both ends)
PEP508 = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
ODD = [
    "calculator",
    "shop",
    "my_mod",
    "My.Mod",
    "a+b",
    "_private",
    "a__b",
    "x_",
    "Ünï.code",
    "A..B",
]


@pytest.mark.parametrize("module", ODD)
def test_one_name_is_valid_for_pip_and_npm_as_spelled(module: str) -> None:
    name = naming.package_name(module)
    assert py.distribution_name(module) == ts.package_name(module) == name
    assert py.normalize_project(name) == name  # PEP 503: the index never redirects it
    assert PEP508.match(name), name
    assert ts.is_npm_name(name) and name == name.lower()
    assert re.fullmatch(r"[a-z0-9-]+", name), name  # nothing a URL or a shell must quote
    assert py.import_name(module) == name.replace("-", "_")
    assert py.import_name(module).isidentifier()
    assert py.wheel_filename(name, "1.0.0").startswith(py.import_name(module) + "-1.0.0-")


def test_the_disagreement_that_was_is_resolved() -> None:
    # the dev server once served `graft-a+b` from npm while the generator wrote `graft-a-b`
    assert naming.package_name("a+b") == "graft-a-b"
    assert naming.package_name("_private") == "graft-private"
    assert naming.package_name("My.Mod") == "graft-my-mod"
    assert naming.package_name("shop") == "graft-shop"
    assert naming.import_name("acme.shop") == "graft_acme_shop"


def test_generators_write_the_same_name() -> None:
    module = idl.parse('module my.mod version "1.0.0";\nservice mod {\n    fn ping();\n}\n')
    assert lower(module).distribution == "graft-my-mod"
    assert lower(module).import_name == "graft_my_mod"
    assert build_model(module).package == "graft-my-mod"
    assert get("python").default_dir("my.mod") == "graft-my-mod"
    assert get("typescript").default_dir("my.mod") == "graft-my-mod-typescript"
    assert ts_lower(module, TargetOptions()).env_prefix == "GRAFT_MY_MOD_"


def test_names_are_spelled_in_one_place() -> None:
    # Any other `"graft-` or `"graft_` literal would be a second naming rule to drift.
    spelled = [
        str(p.relative_to(COMPILER))
        for p in sorted(COMPILER.rglob("*.py"))
        if re.search(r"""f?["']graft[-_]["'{]""", p.read_text("utf-8"))
    ]
    assert spelled == ["targets/common/naming.py"]


def test_environment_prefix_matches_the_runtimes() -> None:
    from graftcode_runtime.config import env_prefix

    for module in ("shop", "my.mod", "my-mod", "a_b"):
        assert naming.env_prefix(module) == env_prefix(module)


def test_wheel_and_tarball_file_names() -> None:
    assert py.wheel_filename("graft-my-mod", "1.0.0") == "graft_my_mod-1.0.0-py3-none-any.whl"
    assert ts.tarball_filename("graft-shop", "1.2.0") == "graft-shop-1.2.0.tgz"
    assert py.normalize_project("Graft_My.Mod") == "graft-my-mod"


@pytest.mark.parametrize(
    ("version", "build", "expected"),
    [
        ("1.0.0", 0, "1.0.0"),
        ("1.0.0", 2, "1.0.0.post2"),
        ("v2.1", 1, "2.1.post1"),
        ("1.0rc1", 1, "1.0rc1.post1"),
        ("1.0.0-rc.1", 0, "1.0.0rc1"),
        ("1.0.0-alpha.2", 0, "1.0.0a2"),
        ("1.0.0-beta", 0, "1.0.0b0"),
        ("1.0.0-dev.3", 0, "1.0.0.dev3"),
        ("1.0.0-rc.1.dev.2", 0, "1.0.0rc1.dev2"),
        ("1.0.0+post.2", 0, "1.0.0.post2"),
        ("1.0.0+post.2", 1, "1.0.0.post2001"),
        ("1.0.0-dev.3", 1, "1.0.0.post1.dev3"),
    ],
)
def test_python_versions(version: str, build: int, expected: str) -> None:
    assert py.package_version(version, build) == expected


@pytest.mark.parametrize(
    ("version", "build", "expected"),
    [
        ("1.0.0", 0, "1.0.0"),
        ("1.0.0", 3, "1.0.0-build.3"),
        ("1.2", 0, "1.2.0"),
        ("7", 1, "7.0.0-build.1"),
        ("1.0.0-beta.1", 1, "1.0.0-beta.1.build.1"),
    ],
)
def test_npm_versions(version: str, build: int, expected: str) -> None:
    assert ts.package_version(version, build) == expected


@pytest.mark.parametrize(
    "bad", ["", "latest", "1.0.0; rm -rf /", "../1", "1.0.0-foo.1", "1.0.0+sha.abc"]
)
def test_unspellable_versions_are_refused_with_the_version_named(bad: str) -> None:
    with pytest.raises(naming.VersionError, match="module version"):
        py.package_version(bad, 0)


@pytest.mark.parametrize("bad", ["", "latest", "1.0.0; rm -rf /", "../1"])
def test_unspellable_npm_versions_are_refused(bad: str) -> None:
    with pytest.raises(naming.VersionError, match="module version"):
        ts.package_version(bad, 0)


@pytest.mark.parametrize("version", ["1.0.0", "1.0.0-rc.1", "2.0.0-dev.3", "1.0.0+post.2"])
@pytest.mark.parametrize("build", [0, 1, 7])
def test_served_python_versions_are_stable_when_converted_again(version: str, build: int) -> None:
    # The store hands the served version to the Python target, which converts it once more.
    served = py.package_version(version, build)
    assert py.package_version(served, 0) == served
    assert lower(ugm.Module("m", served)).package_version == served
