"""The exporter's models of the example modules print as valid, canonical `.graft` text that
parses back to the same model: the contract between `graftc export` and the IDL front end."""

from __future__ import annotations

import pytest
from graftc import idl

introspect = pytest.importorskip("graftcode_runtime.introspect")


@pytest.mark.parametrize("name", ["calculator", "shop"])
def test_exported_example_round_trips(name: str) -> None:
    exported = introspect.export_module(introspect.load_module(name))
    model = exported.module
    assert idl.check(model) == []
    text = idl.print_module(model)
    assert idl.parse(text, f"{name}.graft") == model
    assert idl.format_source(text) == text
