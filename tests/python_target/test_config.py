"""Client configuration: precedence code > environment > config file > generated default, per
key and per module; value parsing; errors that name their source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from graftcode_runtime import config
from graftcode_runtime.config import ConfigError, Settings, TLSSettings, resolve


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    config.reset()
    yield
    config.reset()


DEFAULTS = Settings(url="tcp://127.0.0.1:7470", timeout=30.0)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "graftcode.toml"
    path.write_text(text)
    return path


def test_generated_default_is_the_last_resort(tmp_path: Path) -> None:
    r = resolve("shop", DEFAULTS, environ={}, config_file=write(tmp_path, ""))
    assert r.url == "tcp://127.0.0.1:7470"
    assert r.timeout == 30.0
    assert r.sources["url"] == "generated default"


def test_each_level_beats_the_ones_below_key_by_key(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        '[defaults]\ntimeout = 5\nconnect_timeout = 2\n\n[modules.shop]\nurl = "ws://file:1/"\n'
        'metadata = { tenant = "file" }\n',
    )
    env = {"GRAFT_SHOP_URL": "tcp://env:2", "GRAFT_TIMEOUT": "7"}
    r = resolve("shop", DEFAULTS, environ=env, config_file=file)
    assert (r.url, r.timeout, r.connect_timeout) == ("tcp://env:2", 7.0, 2.0)
    assert r.metadata == {"tenant": "file"}
    assert r.sources["url"] == "$GRAFT_SHOP_*"
    assert r.sources["timeout"] == "$GRAFT_*"
    assert r.sources["metadata"].endswith("[modules.shop]")
    assert r.sources["connect_timeout"].endswith("[defaults]")

    config.configure("shop", url="tcp://code:3", metadata={"tenant": "code"})
    r = resolve("shop", DEFAULTS, environ=env, config_file=file)
    assert r.url == "tcp://code:3"
    assert r.metadata == {"tenant": "code"}
    assert r.timeout == 7.0  # not set in code: the environment still decides

    explicit = Settings(url="tcp://arg:4")
    r = resolve("shop", DEFAULTS, explicit=explicit, environ=env, config_file=file)
    assert r.url == "tcp://arg:4"
    assert r.sources["url"] == "argument"


def test_settings_are_per_module(tmp_path: Path) -> None:
    file = write(
        tmp_path, '[modules.shop]\nurl = "tcp://shop:1"\n[modules.calc]\ntransport = "inmemory"\n'
    )
    env = {"GRAFT_CALC_INMEMORY_MODULE": "examples.calculator"}
    assert resolve("shop", environ=env, config_file=file).url == "tcp://shop:1"
    calc = resolve("calc", environ=env, config_file=file)
    assert calc.url == "inmemory:examples.calculator"
    assert calc.in_memory and calc.transport == "inmemory"


def test_module_specific_beats_global_within_a_level() -> None:
    env = {"GRAFT_TIMEOUT": "1", "GRAFT_SHOP_TIMEOUT": "2", "GRAFT_SHOP_URL": "tcp://h:1"}
    assert resolve("shop", environ=env, config_file=None).timeout == 2.0
    assert env_free_module_uses_global(env) == 1.0


def env_free_module_uses_global(env: dict[str, str]) -> float | None:
    return resolve("other", Settings(url="tcp://h:9"), environ=env).timeout


def test_in_memory_vs_remote_by_transport_or_url() -> None:
    env = {"GRAFT_SHOP_TRANSPORT": "inmemory"}
    assert resolve("shop", DEFAULTS, environ=env).url == "inmemory:shop"
    env = {"GRAFT_SHOP_URL": "inmemory:examples.shop"}
    assert resolve("shop", DEFAULTS, environ=env).url == "inmemory:examples.shop"
    env = {"GRAFT_SHOP_URL": "gateway:7470", "GRAFT_SHOP_TRANSPORT": "ws"}
    assert resolve("shop", DEFAULTS, environ=env).url == "ws://gateway:7470"
    env = {"GRAFT_SHOP_URL": "gateway:7470"}
    assert resolve("shop", DEFAULTS, environ=env).url == "tcp://gateway:7470"


def test_metadata_tls_and_interceptors_from_environment(tmp_path: Path) -> None:
    env = {
        "GRAFT_SHOP_METADATA": "tenant=acme, trace = on",
        "GRAFT_SHOP_TLS_CA": str(tmp_path / "ca.pem"),
        "GRAFT_SHOP_TLS_VERIFY": "false",
        "GRAFT_SHOP_INTERCEPTORS": "graftcode_runtime.config:ClientInterceptor",
    }
    r = resolve("shop", DEFAULTS, environ=env)
    assert r.metadata == {"tenant": "acme", "trace": "on"}
    assert r.tls == TLSSettings(ca_file=str(tmp_path / "ca.pem"), verify=False)
    assert len(r.interceptors) == 1
    assert isinstance(r.interceptors[0], config.ClientInterceptor)


def test_file_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    file = write(tmp_path, '[modules.shop.tls]\nca_file = "certs/ca.pem"\n')
    r = resolve("shop", DEFAULTS, environ={}, config_file=file)
    assert r.tls is not None and r.tls.ca_file == str(tmp_path / "certs" / "ca.pem")


def test_config_file_found_through_graft_config_and_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = tmp_path / "elsewhere.toml"
    named.write_text('[modules.shop]\nurl = "tcp://named:1"\n')
    assert resolve("shop", DEFAULTS, environ={"GRAFT_CONFIG": str(named)}).url == "tcp://named:1"
    write(tmp_path, '[modules.shop]\nurl = "tcp://cwd:1"\n')
    monkeypatch.chdir(tmp_path)
    assert resolve("shop", DEFAULTS, environ={}).url == "tcp://cwd:1"


def test_configure_none_clears_and_reset_forgets() -> None:
    config.configure("shop", url="tcp://a:1", timeout=3)
    config.configure("shop", timeout=None)
    r = resolve("shop", DEFAULTS, environ={})
    assert (r.url, r.timeout) == ("tcp://a:1", 30.0)
    before = config.generation()
    config.reset("shop")
    assert config.generation() > before
    assert resolve("shop", DEFAULTS, environ={}).url == "tcp://127.0.0.1:7470"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GRAFT_SHOP_TIMEOUT": "soon"}, "$GRAFT_SHOP_TIMEOUT: timeout must be a number of"),
        ({"GRAFT_TIMEOUT": "-1"}, "$GRAFT_TIMEOUT: timeout must be a positive number"),
        ({"GRAFT_SHOP_TRANSPORT": "carrier-pigeon"}, "$GRAFT_SHOP_TRANSPORT: transport must"),
        ({"GRAFT_SHOP_METADATA": "novalue"}, "$GRAFT_SHOP_METADATA: metadata entries are"),
        ({"GRAFT_SHOP_INTERCEPTORS": "nope.nothing:X"}, "cannot load interceptor"),
        ({"GRAFT_SHOP_URL": "ws://h:1/", "GRAFT_SHOP_TRANSPORT": "tcp"}, "contradicts the URL"),
    ],
)
def test_bad_values_name_their_source(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("$", r"\$").replace("*", r"\*")):
        resolve("shop", DEFAULTS, environ=env)


def test_bad_files_and_missing_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        resolve("shop", DEFAULTS, environ={}, config_file=write(tmp_path, "[modules.shop\n"))
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        resolve(
            "shop", DEFAULTS, environ={}, config_file=write(tmp_path, "[defaults]\ncolour = 1\n")
        )
    with pytest.raises(ConfigError, match="url belongs in"):
        resolve(
            "shop", DEFAULTS, environ={}, config_file=write(tmp_path, '[defaults]\nurl = "x"\n')
        )
    with pytest.raises(ConfigError, match=r"no gateway URL for module 'shop'.*GRAFT_SHOP_URL"):
        resolve("shop", Settings(), environ={}, config_file=write(tmp_path, ""))
    with pytest.raises(ConfigError, match="cannot read config file"):
        resolve("shop", DEFAULTS, environ={"GRAFT_CONFIG": str(tmp_path / "missing.toml")})


def test_env_prefix() -> None:
    assert config.env_prefix("shop") == "GRAFT_SHOP_"
    assert config.env_prefix("acme.shop-v2") == "GRAFT_ACME_SHOP_V2_"
