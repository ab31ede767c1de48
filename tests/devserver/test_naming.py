from __future__ import annotations

import pytest
from graftc.devserver import naming


@pytest.mark.parametrize("module", ["calculator", "shop", "my_mod", "My.Mod"])
def test_names_agree_with_the_python_target(module: str) -> None:
    from graftc.targets.python import naming as py

    assert naming.python_distribution(module) == py.distribution_name(module)
    assert naming.python_import_package(module) == py.import_name(module)


@pytest.mark.parametrize("module", ["calculator", "shop", "my_mod"])
def test_names_agree_with_the_typescript_target(module: str) -> None:
    from graftc.targets.typescript import _naming as ts

    assert naming.npm_package(module) == ts.package_name(module)


def test_wheel_and_tarball_file_names() -> None:
    assert naming.wheel_filename("graft-my-mod", "1.0.0") == "graft_my_mod-1.0.0-py3-none-any.whl"
    assert naming.tarball_filename("graft-shop", "1.2.0") == "graft-shop-1.2.0.tgz"
    assert naming.normalize_project("Graft_My.Mod") == "graft-my-mod"


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
    assert naming.python_version(version, build) == expected


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
    assert naming.npm_version(version, build) == expected


@pytest.mark.parametrize(
    "bad", ["", "latest", "1.0.0; rm -rf /", "../1", "1.0.0-foo.1", "1.0.0+sha.abc"]
)
def test_unspellable_versions_are_refused_with_the_version_named(bad: str) -> None:
    with pytest.raises(naming.VersionError, match="module version"):
        naming.python_version(bad, 0)


@pytest.mark.parametrize("bad", ["", "latest", "1.0.0; rm -rf /", "../1"])
def test_unspellable_npm_versions_are_refused(bad: str) -> None:
    with pytest.raises(naming.VersionError, match="module version"):
        naming.npm_version(bad, 0)


@pytest.mark.parametrize("version", ["1.0.0", "1.0.0-rc.1", "2.0.0-dev.3", "1.0.0+post.2"])
@pytest.mark.parametrize("build", [0, 1, 7])
def test_served_python_versions_are_stable_when_converted_again(version: str, build: int) -> None:
    # The store hands the served version to the Python target, which converts it once more.
    served = naming.python_version(version, build)
    assert naming.python_version(served, 0) == served
