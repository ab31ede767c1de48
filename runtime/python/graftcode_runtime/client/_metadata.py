"""Call metadata on the client side (docs/protocol.md 5.3, docs/python-client.md "Metadata").

Keys go on the wire lowercase. People write header names the HTTP way (`X-User`), so the client
lowercases the ASCII letters of each key, as HTTP/2 and gRPC clients do, then checks the result
(ASCII letters, digits, `-`, `_`, `.`; no `graft-` prefix; `str` or `bytes` values) before
anything is sent. Only ASCII letters are lowered: `str.lower()` turns the Kelvin sign into `k`,
and such a key must still be refused.

Each layer (the client's default metadata, a channel's configured metadata, `with_options`, the
call's) is lowercased before the next one overrides it key by key, so a call's `X-Tenant`
replaces the client's `x-tenant`. Two keys of one mapping that differ only in case are
ambiguous: `InvalidValue` (INVALID_ARGUMENT) naming both, and nothing is sent.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import TypeVar

from ..protocol._errors import InvalidValue

V = TypeVar("V")

_WIRE_KEY = re.compile(r"[a-z0-9_.\-]+").fullmatch
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_RESERVED = "graft-"


def lowercase_keys(metadata: Mapping[str, V], where: str = "metadata") -> dict[str, V]:
    """A copy of `metadata` with the ASCII letters of its keys lowercased; `InvalidValue` if
    two keys become one. Keys that are not `str` are kept, for `checked` to refuse."""
    out: dict[str, V] = {}
    given: dict[str, str] = {}
    for key, value in metadata.items():
        if type(key) is not str:
            out[key] = value
            continue
        lower = key.translate(_ASCII_LOWER)
        other = given.get(lower)
        if other is not None:
            raise InvalidValue(
                f"{where}: keys {other!r} and {key!r} differ only in case (metadata keys are "
                f"sent lowercase): give one of them"
            )
        given[lower] = key
        out[lower] = value
    return out


def _fine(metadata: Mapping[str, object]) -> bool:
    for key, value in metadata.items():
        if (
            type(key) is not str
            or _WIRE_KEY(key) is None
            or key.startswith(_RESERVED)
            or not isinstance(value, str | bytes)
        ):
            return False
    return True


def checked(metadata: Mapping[str, V], where: str = "metadata") -> Mapping[str, V]:
    """`metadata` as it may go on the wire: keys lowercased, then checked. The common case, all
    keys already fine, returns `metadata` itself (no copy)."""
    if _fine(metadata):
        return metadata
    out = lowercase_keys(metadata, where)
    for key, value in out.items():
        if type(key) is not str or _WIRE_KEY(key) is None:
            raise InvalidValue(
                f"{where}: key {key!r}: use ASCII letters (sent lowercase), digits, "
                f"'-', '_' and '.'"
            )
        if key.startswith(_RESERVED):
            raise InvalidValue(f"{where}: key {key!r}: keys starting with graft- are reserved")
        if not isinstance(value, str | bytes):
            raise InvalidValue(
                f"{where}: {key!r}: values are str or bytes, not {type(value).__name__}"
            )
    return out
