"""The `.graft` IDL front end: parse text into the UGM, check it, print it canonically.

    module = graftc.idl.parse(text, "shop.graft")   # raises DiagnosticError with every error
    module = graftc.idl.load("shop.graft")
    text = graftc.idl.print_module(module)          # parse(print_module(m)) == m
    problems = graftc.idl.check(module)             # semantic checks of any UGM
    text = graftc.idl.format_source(text)           # `graftc fmt`: keeps comments too
    name = graftc.idl.module_name(text)             # the header's module name (or None)

The grammar is `graftc/graft.lark`, package data (`grammar/graft.lark` links to it); the
language is specified in `docs/idl.md`.
"""

from __future__ import annotations

from graftc.idl._api import (
    check,
    format_source,
    load,
    module_name,
    parse,
    print_module,
    read_source,
    source_files,
)
from graftc.idl._literals import semver_key
from graftc.idl._printer import annotation_text, params_text, type_text, value_text

__all__ = [
    "annotation_text",
    "check",
    "format_source",
    "load",
    "module_name",
    "params_text",
    "parse",
    "print_module",
    "read_source",
    "semver_key",
    "source_files",
    "type_text",
    "value_text",
]
