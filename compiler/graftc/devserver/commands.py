"""The exact commands Vision shows and `/pypi` and `/npm` print: one place, so they never drift."""

from __future__ import annotations

from graftc.devserver import naming


def pip_index(base_url: str) -> str:
    return f"{base_url}/pypi/simple/"


def pip_install(base_url: str, module: str, version: str | None = None) -> str:
    pin = f"=={version}" if version else ""
    return (
        f"pip install --extra-index-url {pip_index(base_url)} "
        f"{naming.python_distribution(module)}{pin}"
    )


def npm_tarball_url(base_url: str, module: str, version: str) -> str:
    return f"{base_url}/npm/{naming.tarball_filename(naming.npm_package(module), version)}"


def npm_install(base_url: str, module: str, version: str) -> str:
    return f"npm install {npm_tarball_url(base_url, module, version)}"
