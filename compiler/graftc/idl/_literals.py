"""Lexical details shared by the parser and the printer: string and bytes escapes, float
spelling, identifiers and semantic versions. Keeping both directions in one module is what makes
`parse(print(m)) == m` hold for every string, byte and float a model can carry."""

from __future__ import annotations

import math
import re

from graftcode_runtime.ugm import quote_str as quote_str

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MODULE_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")

# semver.org 2.0.0: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], no leading zeros in numbers.
_NUM = r"(0|[1-9][0-9]*)"
_PRE_ID = r"(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER_RE = re.compile(
    rf"{_NUM}\.{_NUM}\.{_NUM}"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\Z"
)

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_STR_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SIMPLE_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t", "0": "\0"}


class EscapeError(ValueError):
    """A bad escape inside a literal; `offset` is the index of the backslash in the token."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def unquote_str(token: str) -> str:
    """The value of a STRING token (with its quotes). Raises EscapeError."""
    body = token[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < n else ""
        simple = _SIMPLE_UNESCAPES.get(nxt)
        if simple is not None:
            out.append(simple)
            i += 2
        elif nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or not _is_hex(digits):
                raise EscapeError(i + 1, f"'\\{nxt}' needs exactly {width} hex digits")
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise EscapeError(i + 1, f"'\\{nxt}{digits}' is not a Unicode code point")
            if 0xD800 <= code <= 0xDFFF:
                # A surrogate is half of a UTF-16 pair, not a character: UTF-8 (msgpack, JSON
                # files, generated sources) cannot encode it, so it would fail far from here.
                raise EscapeError(
                    i + 1,
                    f"'\\{nxt}{digits}' is a UTF-16 surrogate, not a character; "
                    "write the character itself or '\\U' with its 8-digit code point",
                )
            out.append(chr(code))
            i += 2 + width
        else:
            raise EscapeError(i + 1, f"invalid escape sequence '\\{nxt}' in string")
    return "".join(out)


def quote_bytes(value: bytes) -> str:
    out = ['b"']
    for b in value:
        ch = chr(b)
        esc = _STR_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{b:02x}")
    out.append('"')
    return "".join(out)


def unquote_bytes(token: str) -> bytes:
    """The value of a BYTES token (`b"..."`). Raises EscapeError (offsets count from the `b`)."""
    body = token[2:-1]
    out = bytearray()
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            if ord(ch) > 0x7E:
                raise EscapeError(
                    i + 2, f"non-ASCII character {ch!r} in bytes literal (write it as \\xNN)"
                )
            out.append(ord(ch))
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < n else ""
        simple = _SIMPLE_UNESCAPES.get(nxt)
        if simple is not None:
            out.append(ord(simple))
            i += 2
        elif nxt == "x":
            digits = body[i + 2 : i + 4]
            if len(digits) != 2 or not _is_hex(digits):
                raise EscapeError(i + 2, "'\\x' needs exactly 2 hex digits")
            out.append(int(digits, 16))
            i += 4
        else:
            raise EscapeError(i + 2, f"invalid escape sequence '\\{nxt}' in bytes literal")
    return bytes(out)


def _is_hex(s: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in s)


def format_float(value: float) -> str:
    """The shortest spelling that reads back as the same float and still lexes as a float."""
    text = repr(value)
    if math.isfinite(value) and "." not in text and "e" not in text:
        text += ".0"
    return text


def semver_key(version: str) -> tuple[int, int, int, tuple[tuple[int, int | str], ...]] | None:
    """A sort key with semver precedence (build metadata ignored), or None when invalid."""
    m = SEMVER_RE.match(version)
    if m is None:
        return None
    pre = m.group(4)
    # A release sorts after all of its pre-releases: give it an empty-but-greatest tail.
    tail: tuple[tuple[int, int | str], ...] = ((2, ""),)
    if pre:
        tail = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), tail)
