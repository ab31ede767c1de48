"""Spelling of literals and versions: the pieces `parse(print(m)) == m` rests on."""

from __future__ import annotations

import pytest
from graftc.idl._literals import (
    EscapeError,
    format_float,
    quote_bytes,
    quote_str,
    semver_key,
    unquote_bytes,
    unquote_str,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0.5, "0.5"),
        (1e16, "1e+16"),
        (-0.0, "-0.0"),
        (1e-9, "1e-09"),
        (123.0, "123.0"),
    ],
)
def test_floats_are_spelled_as_floats(value: float, text: str) -> None:
    assert format_float(value) == text
    assert float(text) == value


def test_strings_escape_what_cannot_be_printed() -> None:
    s = 'a"b\\c\nd\te\r\x00\u2028\U0001f600é'
    quoted = quote_str(s)
    assert quoted == '"a\\"b\\\\c\\nd\\te\\r\\u0000\\u2028😀é"'
    assert unquote_str(quoted) == s


def test_bytes_escape_everything_outside_printable_ascii() -> None:
    b = b'A"\\\n\x00\xff~'
    quoted = quote_bytes(b)
    assert quoted == 'b"A\\"\\\\\\n\\x00\\xff~"'
    assert unquote_bytes(quoted) == b


@pytest.mark.parametrize(
    ("token", "offset"), [('"\\q"', 1), ('"ab\\u12"', 3), ('"\\U00110000"', 1)]
)
def test_bad_escapes_point_at_the_backslash(token: str, offset: int) -> None:
    with pytest.raises(EscapeError) as info:
        unquote_str(token)
    assert info.value.offset == offset


def test_semver_precedence() -> None:
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11",
             "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0"]  # fmt: skip
    keys = [semver_key(v) for v in order]
    assert all(k is not None for k in keys)
    assert keys == sorted(keys)  # type: ignore[type-var]
    assert semver_key("1.0.0+build.1") == semver_key("1.0.0")


@pytest.mark.parametrize("bad", ["1.2", "01.2.3", "1.2.3-", "1.2.3-01", "v1.2.3", "1.2.3 ", ""])
def test_invalid_versions(bad: str) -> None:
    assert semver_key(bad) is None
