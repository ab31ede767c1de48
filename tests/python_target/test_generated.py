"""Every generated package passes mypy --strict, ruff and black unchanged; imports inside it are
relative; it depends on the runtime only; a consumer type-checks and sees exact signatures."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from graftc import idl

from .support import CONSUMERS, FIXTURES, ROOT, build, export, mypy, ruff_and_black

# mypy runs share one cache: keep them on one worker (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("python_target_mypy")

PACKAGES = {
    "graft_kitchen": lambda: export("kitchen"),
    "graft_shop": lambda: export("shop"),
    "graft_calculator": lambda: export("calculator"),
    "graft_sketch": lambda: idl.load(ROOT / "docs" / "idl-sketch.graft"),
    "graft_acme_edge": lambda: idl.load(FIXTURES / "edge.graft"),
    "graft_clash": lambda: idl.load(FIXTURES / "clash.graft"),
}


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("generated")
    return {
        name: build(load(), out / name.replace("_", "-"), package_name=name)
        for name, load in PACKAGES.items()
    }


@pytest.fixture(scope="module")
def search_path(projects: dict[str, Path]) -> list[Path]:
    return list(projects.values())


def test_ruff_and_black_leave_every_package_unchanged(projects: dict[str, Path]) -> None:
    for project in projects.values():
        for result in ruff_and_black(project):
            assert result.returncode == 0, result.output


def test_mypy_strict_on_packages_and_consumers(
    projects: dict[str, Path], search_path: list[Path], mypy_cache: Path, tmp_path: Path
) -> None:
    """One mypy run: the four packages, the two consumers, and the reveal_type file."""
    result = mypy(
        [
            *(project / name for name, project in projects.items()),
            CONSUMERS / "kitchen_sync.py",
            CONSUMERS / "kitchen_async.py",
        ],
        search_path=search_path,
        cache=mypy_cache,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.output


REVEALED = [
    # a positional-only parameter shows without its name
    "def (str, greeting: str =, *, punctuation: str =) -> str",
    # builtin-shadowing names are escaped
    "def (id_: int, type_: str =) -> str",
    "def (shape: graft_kitchen._types.Shape, factor: float =) -> graft_kitchen._types.Shape",
    "int | None",
    "list[list[int]]",
    "dict[int, int]",
    "def (self: graft_kitchen._client.Oven, temperature: int =, *, label: str =, "
    "_channel: graftcode_runtime.binding._channel.Channel | None =)",
    "def (*, _channel: graftcode_runtime.binding._channel.Channel | None =) -> list[str]",
    "graft_kitchen._client.Oven",
    "int",
    "def (str, greeting: str =, *, punctuation: str =) -> typing.Coroutine[Any, Any, str]",
    "def (graftcode_runtime.binding._channel.AsyncChannel, temperature: int =, *, label: str =) "
    "-> typing.Coroutine[Any, Any, graft_kitchen._client.AsyncOven]",
    "typing.Awaitable[int]",
    "int",
    "def (self: graft_kitchen._types.Shape, name: str, points: list[graft_kitchen._types.Point], "
    "color: graft_kitchen._types.Color =, tags: dict[str, int] =, "
    "size: graft_kitchen._types.Size | None =)",
    # unions, literal sets and tuples keep their Python spelling
    "def (value: int | str | graft_kitchen._types.Point, unit: Literal['kg'] | Literal['lb'] =, "
    "pair: tuple[int, str] | None =) -> tuple[str, int | str | graft_kitchen._types.Point | None]",
]


def test_reveal_type_shapes(search_path: list[Path], mypy_cache: Path, tmp_path: Path) -> None:
    result = mypy(
        [CONSUMERS / "reveal.py"],
        search_path=search_path,
        cache=mypy_cache,
        cwd=tmp_path,
        extra=["--enable-error-code", "deprecated"],
    )
    revealed = re.findall(r'Revealed type is "(.*)"', result.output)
    assert revealed == REVEALED, result.output
    # @deprecated in the IDL reaches the type checker
    errors = [s for s in result.output.splitlines() if ": error: " in s]
    assert len(errors) == 1, result.output
    assert errors[0].endswith(
        "error: function graft_kitchen._client.KitchenClient.hello is deprecated: use greet  "
        "[deprecated]"
    ), result.output


def test_no_ignores_relative_imports_and_runtime_only_dependency(
    projects: dict[str, Path],
) -> None:
    for name, project in projects.items():
        for py in (project / name).glob("*.py"):
            text = py.read_text()
            assert "type: ignore" not in text and "noqa" not in text, py
            assert not re.search(rf"^\s*(from|import) {name}\b", text, re.M), py
            for line in re.findall(r"^(?:from|import) (\S+)", text, re.M):
                assert line.split(".")[0] in {
                    "__future__",
                    "collections",
                    "dataclasses",
                    "datetime",
                    "decimal",
                    "enum",
                    "types",
                    "typing",
                    "uuid",
                    "weakref",
                    "graftcode_runtime",
                    "typing_extensions",
                } or line.startswith("."), (py, line)
        pyproject = (project / "pyproject.toml").read_text()
        assert 'dependencies = ["graftcode-runtime>=0.1,<0.2"]' in pyproject
        assert (project / name / "py.typed").is_file()


def test_package_can_be_vendored_under_another_package(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    vendor = tmp_path / "myapp" / "_vendor"
    vendor.mkdir(parents=True)
    (tmp_path / "myapp" / "__init__.py").write_text("")
    (vendor / "__init__.py").write_text("")
    shutil.copytree(projects["graft_shop"] / "graft_shop", vendor / "shop_client")
    code = "from myapp._vendor.shop_client import Cart, Product, shop; print(Product.__module__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "myapp._vendor.shop_client._types"
