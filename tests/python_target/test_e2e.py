"""End to end: export the kitchen fixture, build its package, pip install it into a fresh
virtualenv, start `graftc serve` in a subprocess, and run the same consumer files (every member,
sync and async) over TCP, WebSocket and in memory; only configuration changes between runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from graftcode_runtime.testing import self_signed_cert

from .support import (
    CONSUMERS,
    FIXTURES,
    Gateway,
    Venv,
    build,
    export,
    make_venv,
    mypy,
    run,
    serve,
)

# one worker builds the venv and starts the gateway for the whole module (make test: --dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("python_target_e2e")]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    root = tmp_path_factory.mktemp("e2e")
    project = build(export("kitchen"), root / "graft-kitchen")
    venv = make_venv(root / "venv")
    installed = venv.pip_install(project)
    assert installed.returncode == 0, installed.output
    return venv


def test_the_installed_package_needs_no_compiler(venv: Venv, tmp_path: Path) -> None:
    code = (
        "import importlib.util, graft_kitchen\n"
        "missing = [n for n in ('graftc', 'lark', 'black', 'jinja2') "
        "if importlib.util.find_spec(n) is None]\n"
        "print(graft_kitchen.__file__, missing)\n"
    )
    result = run([venv.python, "-c", code], cwd=tmp_path)
    assert result.returncode == 0, result.output
    assert "site-packages/graft_kitchen/__init__.py" in result.output
    assert "['graftc', 'lark', 'black', 'jinja2']" in result.output


@pytest.mark.parametrize("transport", ["tcp", "ws", "inmemory"])
@pytest.mark.parametrize("consumer", ["kitchen_sync", "kitchen_async"])
def test_every_member_over_every_transport(
    venv: Venv, kitchen_gateway: Gateway, transport: str, consumer: str, tmp_path: Path
) -> None:
    if transport == "inmemory":
        # the module runs in the caller's process, so it must be importable there
        env = {"GRAFT_KITCHEN_URL": "inmemory:kitchen", "PYTHONPATH": str(FIXTURES)}
    else:
        env = {"GRAFT_KITCHEN_URL": kitchen_gateway.urls[transport]}
    result = run([venv.python, CONSUMERS / f"{consumer}.py"], cwd=tmp_path, **env)
    assert result.returncode == 0, result.output
    assert f"OK {consumer.removeprefix('kitchen_')}" in result.output


def test_a_config_file_alone_switches_to_in_memory(
    venv: Venv, kitchen_gateway: Gateway, tmp_path: Path
) -> None:
    (tmp_path / "graftcode.toml").write_text(
        '[modules.kitchen]\ntransport = "inmemory"\ninmemory_module = "kitchen"\n'
    )
    # no environment: the file's `transport = "inmemory"` beats the generated default URL,
    # then the file's `url` sends the same calls to the gateway
    result = run(
        [venv.python, CONSUMERS / "kitchen_sync.py"], cwd=tmp_path, PYTHONPATH=str(FIXTURES)
    )
    assert result.returncode == 0, result.output
    (tmp_path / "graftcode.toml").write_text(
        f'[modules.kitchen]\nurl = "{kitchen_gateway.urls["ws"]}"\n'
    )
    result = run([venv.python, CONSUMERS / "kitchen_sync.py"], cwd=tmp_path)
    assert result.returncode == 0, result.output


def test_consumer_type_checks_against_the_installed_package(
    venv: Venv, mypy_cache: Path, tmp_path: Path
) -> None:
    result = mypy(
        [CONSUMERS / "kitchen_sync.py", CONSUMERS / "kitchen_async.py"],
        cache=mypy_cache,
        cwd=tmp_path,
        python=venv.python,
    )
    assert result.returncode == 0, result.output


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool")
def test_tls_configured_from_the_environment(venv: Venv, tmp_path: Path) -> None:
    crt, key = self_signed_cert(tmp_path)
    listeners = ("--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0")
    with serve(*listeners, "--tls-cert", str(crt), "--tls-key", str(key)) as gateway:
        for scheme in ("tls", "wss"):
            env = {"GRAFT_KITCHEN_URL": gateway.urls[scheme], "GRAFT_KITCHEN_TLS_CA": str(crt)}
            result = run([venv.python, CONSUMERS / "kitchen_sync.py"], cwd=tmp_path, **env)
            assert result.returncode == 0, result.output
        # without the CA the certificate is not trusted: a clear error, no call made
        untrusted = run(
            [venv.python, "-c", "from graft_kitchen import kitchen; kitchen.nothing()"],
            cwd=tmp_path,
            GRAFT_KITCHEN_URL=gateway.urls["tls"],
        )
        assert untrusted.returncode == 1
        assert "ConnectionLost" in untrusted.output and "TLS" in untrusted.output
