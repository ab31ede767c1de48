"""The mypyc-compiled runtime modules (graftcode_runtime._mypyc): used when asked for
(GRAFTCODE_MYPYC=1), built and current, never otherwise; stale or failed builds fall back to pure
Python; the sans-IO, value, client and policy suites pass compiled (the rest runs pure)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from graftcode_runtime import _mypyc, _mypyc_build

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json
from graftcode_runtime import _mypyc
files = {m: importlib.import_module("graftcode_runtime." + m).__file__ for m in _mypyc.COMPILED}
print(json.dumps({"status": _mypyc.status(), "files": files}))
"""


def probe(switch: str | None) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != _mypyc.SWITCH}
    if switch is not None:
        env[_mypyc.SWITCH] = switch
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def built() -> dict[str, object]:
    """The manifest `make compiled` left; a machine that cannot compile skips what needs it."""
    if not _mypyc.MANIFEST.is_file():
        pytest.fail(
            "no compiled modules: `make compiled` runs python -m graftcode_runtime._mypyc_build"
        )
    manifest: dict[str, object] = json.loads(_mypyc.MANIFEST.read_text())
    if manifest.get("error"):
        pytest.skip(f"the mypyc build failed on this machine: {manifest['error']}")
    return manifest


def test_compiled_modules_are_the_ones_imported_when_asked_for() -> None:
    built()
    result = probe("1")
    assert result["status"] == "compiled"
    files = result["files"]
    assert isinstance(files, dict) and set(files) == set(_mypyc.COMPILED)
    for name, file in files.items():
        assert file.startswith(str(_mypyc.LIB)), name
        assert file.endswith(_mypyc.extension_suffix()), name


@pytest.mark.parametrize("switch", [None, "0", ""])
def test_otherwise_the_sources_are_imported(switch: str | None) -> None:
    result = probe(switch)
    assert result["status"] == "pure Python: GRAFTCODE_MYPYC is not 1"
    files = result["files"]
    assert isinstance(files, dict) and set(files) == set(_mypyc.COMPILED)
    for name, file in files.items():
        assert file == str(_mypyc.ROOT / (name.replace(".", "/") + ".py"))


@pytest.fixture
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private `_mypyc_lib`, so these tests never touch the real build."""
    lib = tmp_path / "_mypyc_lib"
    for module in (_mypyc, _mypyc_build):
        monkeypatch.setattr(module, "LIB", lib)
        monkeypatch.setattr(module, "MANIFEST", lib / "manifest.json")
    monkeypatch.setattr(_mypyc, "_status", _mypyc.status())  # restored after the test
    monkeypatch.setenv(_mypyc.SWITCH, "1")
    return lib


def write(lib: Path, **manifest: object) -> None:
    lib.mkdir(exist_ok=True)
    (lib / "manifest.json").write_text(json.dumps(manifest))


def test_edited_sources_make_the_whole_set_stale(lib: Path) -> None:
    hashes = _mypyc.source_hashes()
    hashes["values._codec"] = "0" * 64
    write(lib, suffix=_mypyc.extension_suffix(), sources=hashes)
    finders = list(sys.meta_path)
    with pytest.warns(RuntimeWarning, match="older than their sources"):
        _mypyc.install()
    assert sys.meta_path == finders
    assert not _mypyc.in_use()


def test_no_build_a_failed_one_or_another_interpreter_is_pure_python(lib: Path) -> None:
    _mypyc.install()
    assert _mypyc.status().startswith("pure Python: not compiled")
    write(lib, suffix=_mypyc.extension_suffix(), sources={}, error="gcc: not found")
    _mypyc.install()
    assert _mypyc.status() == "pure Python: the build failed: gcc: not found"
    write(lib, suffix=".cpython-399-x.so", sources=_mypyc.source_hashes())
    _mypyc.install()
    assert "compiled for .cpython-399-x.so" in _mypyc.status()


def test_a_failed_build_says_so_once_and_never_fails_the_install(
    lib: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(out: Path, work: Path) -> None:
        print("x.c:1:1: error: no compiler today")
        raise SystemExit(1)

    monkeypatch.setattr(_mypyc_build, "compile_into", broken)
    assert _mypyc_build.main([]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "graftcode_runtime: mypyc build failed, the runtime runs as pure Python: "
        "x.c:1:1: error: no compiler today"
    ]
    manifest = json.loads((lib / "manifest.json").read_text())
    assert manifest["error"] == "x.c:1:1: error: no compiler today"
    # the same sources are not tried again on every `make test`; --strict reports it
    assert _mypyc_build.main([]) == 0 and capsys.readouterr().err == ""
    assert _mypyc_build.main(["--strict"]) == 1


@pytest.mark.slow
def test_protocol_client_and_policy_suites_compiled() -> None:
    """`make test` runs everything in pure Python (the default); this runs the sans-IO, value,
    client and session-policy suites and the gateway's calls again on the compiled modules
    (the whole of tests/gateway passes compiled too, but takes minutes: bench/notes/mypyc.md)."""
    built()
    env = dict(os.environ, **{_mypyc.SWITCH: "1"})
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
         "tests/protocol", "tests/client", "tests/gateway/test_policy.py",
         "tests/gateway/test_calls.py"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:]


@pytest.mark.slow
def test_no_compiled_code_is_unreachable_to_mypy() -> None:
    """mypyc compiles by what mypy infers: a branch mypy thinks unreachable (an attribute it
    keeps narrowed across a call that changes it) is compiled as dead code, which pure-Python
    tests cannot see. `--warn-unreachable` finds those branches in the compiled modules."""
    files = [str(_mypyc.ROOT / (name.replace(".", "/") + ".py")) for name in _mypyc.COMPILED]
    # in a process of its own: mypy raises the recursion limit of the process it runs in, and
    # tests of "nests too deeply" in the same pytest worker then stop raising
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--warn-unreachable", *files],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    unreachable = [line for line in out.splitlines() if "[unreachable]" in line]
    compiled = [line for line in unreachable if str(Path(line.split(":")[0]).resolve()) in files]
    assert not compiled, "\n".join(compiled)
