"""Old callers keep working: a client generated from v1 calls a gateway serving v2.

Three versions of one fixture module (`tests/check/fixtures/<version>/inventory.py`):
- v2 makes only the changes `graftc check` calls compatible, and every v1 call still works;
- v2_breaking breaks each v1 call in its own way, and each fails with a clear, specific error;
- a client generated from v2 calling a v1 gateway gets NOT_FOUND for the member v1 lacks.

Everything goes through the real commands: `graftc export`, `graftc check`, `graftc build
--target python` and `graftc serve --tcp 127.0.0.1:0`.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def graftc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graftc.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Exports each version to .graft and builds Python clients for v1 and v2."""
    out = tmp_path_factory.mktemp("old-callers")
    for version in ("v1", "v2", "v2_breaking"):
        r = graftc(
            "export", str(FIXTURES / version / "inventory.py"), "-o", str(out / f"{version}.graft")
        )
        assert r.returncode == 0, r.stderr
    for version in ("v1", "v2"):
        r = graftc(
            "build",
            str(out / f"{version}.graft"),
            "--target",
            "python",
            "-o",
            str(out / f"{version}-client"),
            "--package-name",
            f"graft_inventory_{version}",
        )
        assert r.returncode == 0, r.stderr
        sys.path.insert(0, str(out / f"{version}-client"))
    return out


def client_package(version: str) -> ModuleType:
    return importlib.import_module(f"graft_inventory_{version}")


@contextmanager
def serve(version: str) -> Iterator[str]:
    """`graftc serve` of one version on an ephemeral port; yields its tcp:// URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graftc.cli",
            "serve",
            str(FIXTURES / version / "inventory.py"),
            "--tcp",
            "127.0.0.1:0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            if "listening tcp://" in line:
                url = line.split("listening ", 1)[1].strip()
                break
        if url is None:
            proc.wait(timeout=10)
            raise AssertionError(
                f"graftc serve did not start: {proc.stderr.read() if proc.stderr else ''}"
            )
        yield url
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def remote_failure(call: Any) -> tuple[str, str]:
    """(status code name, message) of the error a call raises."""
    from graftcode_runtime import RemoteError

    with pytest.raises(RemoteError) as info:
        call()
    code = info.value.code
    return getattr(code, "name", str(code)), info.value.message


def test_the_checker_agrees_with_the_fixtures(built: Path) -> None:
    v1, v2, broken = (str(built / f"{v}.graft") for v in ("v1", "v2", "v2_breaking"))
    additive = graftc("check", v1, v2)
    assert additive.returncode == 0, additive.stdout
    assert "0 breaking changes" in additive.stdout
    breaking = graftc("check", v1, broken, "--format", "json")
    assert breaking.returncode == 1
    import json

    rules = sorted(f["rule"] for f in json.loads(breaking.stdout)["findings"])
    assert rules == sorted(
        [
            "ENUM_VALUE_CHANGED",
            "FIELD_ADDED_REQUIRED",
            "FIELD_MOVED",
            "METHOD_REMOVED",
            "PARAM_ADDED_REQUIRED",
            "PARAM_REMOVED",
            "PARAM_TYPE_CHANGED",
            "PROPERTY_REMOVED",
        ]
    )


def test_v1_client_against_additive_v2_gateway(
    built: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pkg = client_package("v1")
    caplog.set_level(logging.WARNING, logger="graftcode.client")
    with serve("v2") as url:
        ch = pkg.connect(url)
        try:
            inv = pkg.InventoryClient(ch)
            # new parameters `currency` and `discount` are filled in from their defaults
            assert inv.price("B-1", 2) == 5.0
            assert inv.price("B-1") == 2.5
            # the new record field `note` is filled in when the v1 caller does not send it
            assert inv.put(pkg.Item("B-1", 2)) == "B-1 x2 (none)"
            # the gateway's extra field in a returned record is ignored by the v1 client
            assert inv.get("B-1") == pkg.Item("B-1", 3)
            # declared errors still arrive as the v1 client's own types
            with pytest.raises(pkg.NotFound) as nf:
                inv.get("missing")
            assert nf.value.sku == "missing"
            assert inv.stock(pkg.Size.M) == 20  # the enum gained XL; M is unchanged
            assert inv.biggest() == pkg.Size.L
            assert inv.scale(2) == 3.0  # parameter widened from int to float
            assert inv.label("abc", upper=True) == "ABC"  # keyword-only relaxed to either
            counter = pkg.Counter(5, _channel=ch)  # the constructor gained `step`
            assert counter.add(2) == 7
            assert counter.value == 7
        finally:
            ch.close()
        # The handshake allowed the different schema; the client warned exactly once.
        warnings = [r.getMessage() for r in caplog.records if r.name == "graftcode.client"]
        assert len(warnings) == 1, warnings
        assert "generated from version 1.0.0" in warnings[0]
        assert "serves version 1.1.0" in warnings[0]
        # A dynamic caller written against v1, passing arguments by position and omitting the
        # defaults: the gateway binds them against v2 and fills in the rest.
        import graftcode_runtime

        with graftcode_runtime.connect(url) as dyn:
            assert dyn.call("price", "B-1", 2) == 5.0
            assert dyn.call("put", {"sku": "B-1"}) == "B-1 x1 (none)"
            assert dyn.call("label", "abc", upper=True) == "ABC"


def test_v1_client_against_breaking_v2_gateway(built: Path) -> None:
    pkg = client_package("v1")
    with serve("v2_breaking") as url:
        ch = pkg.connect(url)
        try:
            inv = pkg.InventoryClient(ch)
            failures = {
                "price": remote_failure(lambda: inv.price("B-1", 2)),
                "put": remote_failure(lambda: inv.put(pkg.Item("B-1", 2))),
                "get": remote_failure(lambda: inv.get("B-1")),
                "stock": remote_failure(lambda: inv.stock(pkg.Size.M)),
                "scale": remote_failure(lambda: inv.scale(2)),
                "label": remote_failure(lambda: inv.label("abc")),
                "value": remote_failure(lambda: pkg.Counter(1, _channel=ch).value),
            }
            # A value coming back that the v1 client cannot decode is a ProtocolError naming it.
            from graftcode_runtime import ProtocolError

            with pytest.raises(ProtocolError, match="20 is not a value of Size"):
                inv.biggest()  # v2 returns Size.M, whose value is now 20
            # the session survives every failure: an unchanged member still works
            assert pkg.Counter(1, _channel=ch).add(2) == 3
        finally:
            ch.close()
    expect = {
        "price": ("INVALID_ARGUMENT", "quantity"),  # parameter removed
        "put": ("INVALID_ARGUMENT", "owner"),  # required field added
        "get": ("NOT_FOUND", "get"),  # method removed
        "stock": ("INVALID_ARGUMENT", "Size"),  # enum value changed
        "scale": ("INVALID_ARGUMENT", "factor"),  # parameter type changed
        "label": ("INVALID_ARGUMENT", "width"),  # required parameter added
        "value": ("NOT_FOUND", "value"),  # property removed
    }
    for member, (code, word) in expect.items():
        got_code, message = failures[member]
        assert got_code == code, (member, failures[member])
        assert word in message, (member, failures[member])


def test_v2_client_against_v1_gateway_gets_not_found(built: Path) -> None:
    """A newer caller reaching an older gateway: clear errors, never a crash or a hang."""
    pkg = client_package("v2")
    with serve("v1") as url:
        ch = pkg.connect(url)
        try:
            inv = pkg.InventoryClient(ch)
            code, message = remote_failure(inv.ping)
            assert (code, message) == ("NOT_FOUND", "inventory has no method 'ping'")
            # Generated clients send every parameter, defaults included, so a parameter v1
            # lacks is named even when the caller left it at its default.
            code, message = remote_failure(lambda: inv.price("B-1", 2))
            assert code == "INVALID_ARGUMENT" and "currency" in message
            code, message = remote_failure(lambda: pkg.Counter(1, _channel=ch))
            assert code == "INVALID_ARGUMENT" and "step" in message
            # members both versions share still work; the field v1 does not send is filled in
            assert inv.get("B-1") == pkg.Item("B-1", 3, "none")
            assert inv.stock(pkg.Size.M) == 20
        finally:
            ch.close()
