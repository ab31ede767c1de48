"""`graftc serve` hosting part of a module: --skip-unsupported, --types/--methods, --idl. A
member outside the subset is NOT_FOUND to callers; an IDL the module does not match stops the
start with both places named."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from graftcode_runtime import RemoteError, StatusCode, connect
from test_serve_command import ROOT, _start

MODULE = '''"""Served in parts."""
from __future__ import annotations
from collections.abc import Callable
__version__ = "1.0.0"

def double(x: int) -> int:
    return 2 * x

def shout(text: str) -> str:
    return text.upper()

def either(x: Callable[[int], int]) -> str:
    return str(x(1))

class Counter:
    def __init__(self, start: int = 0) -> None:
        self.count: int = start

    def bump(self) -> int:
        self.count += 1
        return self.count

    def reset(self) -> None:
        self.count = 0
'''

IDL = """module subset version "1.0.0";

service subset {
    fn double(x: int) -> int;
}

class Counter {
    constructor(start: int = 0);

    fn bump() -> int;
}
"""


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "subset.py"
    path.write_text(MODULE, encoding="utf-8")
    return path


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    """`graftc serve` expected to refuse to start (it never listens)."""
    return subprocess.run(
        [sys.executable, "-m", "graftc.cli", "serve", *args, "--tcp", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture
def gateway(module: Path) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def _tcp(started: list[subprocess.Popen[str]], *args: str) -> str:
    proc, urls = _start(*args, "--tcp", "127.0.0.1:0")
    started.append(proc)
    return urls["tcp"]


def _not_found(call: object) -> None:
    with pytest.raises(RemoteError) as info:
        call()  # type: ignore[operator]
    assert info.value.code == StatusCode.NOT_FOUND


def test_an_unsupported_member_stops_the_start_without_the_flag(module: Path) -> None:
    done = _serve(str(module))
    assert done.returncode == 1
    assert "subset.either" in done.stderr and "functions cannot be sent" in done.stderr


@pytest.mark.slow
def test_skip_unsupported_serves_the_rest_and_warns_as_export_does(
    module: Path, gateway: list[subprocess.Popen[str]]
) -> None:
    url = _tcp(gateway, str(module), "--skip-unsupported")
    with connect(url, module="subset") as c:
        assert c.call("double", 4) == 8
        _not_found(lambda: c.call("either", 1))
    gateway[0].send_signal(signal.SIGTERM)
    _, err = gateway.pop().communicate(timeout=30)
    assert f"{module}:12:" in err and "warning: subset.either: parameter `x`" in err


@pytest.mark.slow
def test_types_and_methods_filters(module: Path, gateway: list[subprocess.Popen[str]]) -> None:
    url = _tcp(gateway, str(module), "--types", "Count*", "--methods", "Counter.b*")
    with connect(url, module="subset") as c:
        counter = c.new("Counter", 5)
        assert counter.call("bump") == 6
        _not_found(lambda: counter.call("reset"))
        _not_found(lambda: c.call("double", 1))


@pytest.mark.slow
def test_idl_serves_exactly_what_it_declares(
    module: Path, tmp_path: Path, gateway: list[subprocess.Popen[str]]
) -> None:
    idl = tmp_path / "subset.graft"
    idl.write_text(IDL, encoding="utf-8")
    url = _tcp(gateway, str(module), "--idl", str(idl))
    with connect(url, module="subset") as c:
        assert c.call("double", 21) == 42
        _not_found(lambda: c.call("shout", "a"))  # in the module, not in the IDL
        counter = c.new("Counter")
        assert counter.call("bump") == 1
        _not_found(lambda: counter.call("reset"))
        _not_found(lambda: counter.get("count"))


def test_a_mismatched_idl_stops_the_start_naming_both_places(module: Path, tmp_path: Path) -> None:
    idl = tmp_path / "subset.graft"
    idl.write_text(
        IDL.replace("fn double(x: int) -> int;", "fn double(x: float) -> int;\n    fn gone();"),
        encoding="utf-8",
    )
    done = _serve(str(module), "--idl", str(idl))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert f"{idl}:4:8: method subset.double has another signature in module subset" in lines[0]
    assert "subset.py:6)" in lines[0]
    assert f"{idl}:5:8: method subset.gone is missing from module subset" in lines[1]


def test_an_idl_member_the_module_refuses_says_why(module: Path, tmp_path: Path) -> None:
    idl = tmp_path / "subset.graft"
    idl.write_text(
        IDL.replace("int;\n}", "int;\n    fn either(x: int) -> str;\n}", 1), encoding="utf-8"
    )
    done = _serve(str(module), "--idl", str(idl))
    assert done.returncode == 1
    assert "method subset.either is missing from module subset: parameter `x`" in done.stderr
    assert "functions cannot be sent to another process" in done.stderr
    assert "subset.py:12)" in done.stderr


def test_an_idl_that_does_not_parse_is_a_diagnostic(module: Path, tmp_path: Path) -> None:
    idl = tmp_path / "broken.graft"
    idl.write_text('module subset version "1.0.0";\nservice subset {\n    fn (;\n}\n', "utf-8")
    done = _serve(str(module), "--idl", str(idl))
    assert done.returncode == 1
    assert f"{idl}:3:" in done.stderr and "error" in done.stderr
