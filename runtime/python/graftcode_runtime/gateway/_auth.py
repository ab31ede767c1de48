"""Who may call: named tokens (in code, or from a file reloaded on SIGHUP) and an auth hook,
one `Authenticator` per gateway that the handshake and every HTTP route ask.

The rules, in order: a token that matches a named token gives the identity of that name; then
the hook, when there is one, sees the credentials (and the matched name, if any) and returns
the identity or refuses; with no hook, a token that matched nothing is refused. Secrets never
reach a log line or an error message: refusals name the reason, a token file error names the
file and the line number.
"""

from __future__ import annotations

import hmac
import logging
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from ..context import Identity
from ..protocol import RemoteError, StatusCode
from ._log import event

if TYPE_CHECKING:
    from ._config import GatewayConfig

__all__ = ["AuthHook", "Credentials", "Identity", "Peer", "Refuse", "TokenFileError"]


@dataclass(frozen=True)
class Peer:
    """The remote end: `address` as in the logs (`tcp://1.2.3.4:5678`), `transport` (`tcp`,
    `ws`, `inmemory`, `http`), and the TLS client certificate (as `ssl.getpeercert()` gives it)
    when the gateway asks for one (`GatewayConfig.tls_client_ca`) and the client sent one that
    verified; None otherwise (always for HTTP)."""

    address: str
    transport: str
    tls_cert: Mapping[str, object] | None = None


@dataclass(frozen=True)
class Credentials:
    """What a caller presented: the HELLO's `auth` (or the HTTP Bearer token, or the Basic
    password, with the Basic user name as `username`); `token_name` is the named token it
    matched, if any; `path` is the HTTP path (None for a HELLO)."""

    token: str | None = field(repr=False)
    peer: Peer
    token_name: str | None = None
    username: str | None = None
    path: str | None = None


class Refuse(RemoteError):
    """Raise it (from an auth hook or a server interceptor) to refuse with a status:
    `Refuse(StatusCode.PERMISSION_DENIED, "read-only key")`. The message goes to the caller
    as is: never put a secret in it."""

    def __init__(self, code: StatusCode, message: str) -> None:
        super().__init__(code, message)


AuthHook: TypeAlias = Callable[[Credentials], "Identity | str | None"]


class TokenFileError(ValueError):
    """A token file that cannot be used; the message names the file and line, never a token."""


def parse_token_file(path: str) -> dict[str, str]:
    """`name: token` per line; blank lines and lines starting with `#` are ignored. Names are
    unique; a token is at least 16 characters (shorter ones are guessable)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise TokenFileError(f"{path}: cannot read it ({reason})") from None
    tokens: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, token = (part.strip() for part in text.partition(":"))
        if not sep or not name or not token:
            raise TokenFileError(f"{path}:{number}: expected `name: token`")
        if name in tokens:
            raise TokenFileError(f"{path}:{number}: the name {name!r} is given twice")
        if len(token) < 16:
            raise TokenFileError(f"{path}:{number}: the token of {name!r} is shorter than 16")
        tokens[name] = token
    if not tokens:
        raise TokenFileError(f"{path}: no tokens (a file that names none would lock everyone out)")
    return tokens


def world_readable(path: str) -> bool:
    try:
        return bool(os.stat(path).st_mode & (stat.S_IROTH | stat.S_IWOTH))
    except OSError:
        return False


class Authenticator:
    """One per gateway. `tokens` is replaced whole on reload (one reference swap), so a check
    running meanwhile sees the old set or the new one, never half of each."""

    def __init__(self, config: GatewayConfig) -> None:
        self.hook = config.auth
        self.path = config.auth_tokens_file
        given = config.auth_tokens
        named = {"default": given[0]} if len(given) == 1 else {}
        named.update({f"token{i}": t for i, t in enumerate(given, 1)} if len(given) > 1 else {})
        self._given = named
        self.tokens: Mapping[str, bytes] = {k: v.encode() for k, v in named.items()}
        if self.path is not None:
            self.reload(initial=True)

    @property
    def enabled(self) -> bool:
        return bool(self.tokens) or self.hook is not None or self.path is not None

    def reload(self, *, initial: bool = False) -> bool:
        """Read the token file again; a bad file keeps the tokens in use (logged, without
        secrets). At start-up a bad file raises TokenFileError instead."""
        assert self.path is not None
        try:
            loaded = parse_token_file(self.path)
        except TokenFileError as e:
            if initial:
                raise
            event("auth_reload_failed", logging.ERROR, error=str(e))
            return False
        if world_readable(self.path):
            event("auth_tokens_world_readable", logging.WARNING, file=self.path)
        merged = {**self._given, **loaded}
        self.tokens = {k: v.encode() for k, v in merged.items()}
        event("auth_tokens_loaded", file=self.path, names=len(loaded))
        return True

    def match(self, token: str | None) -> str | None:
        """The name of the token given, compared with every token in constant time."""
        if token is None:
            return None
        raw = token.encode()
        found = None
        for name, secret in self.tokens.items():  # no early exit: timing reveals nothing
            if hmac.compare_digest(raw, secret):
                found = name
        return found

    def authenticate(
        self, token: str | None, peer: Peer, *, username: str | None = None, path: str | None = None
    ) -> Identity | None:
        """The caller's identity (None when auth is off); raises Refuse."""
        if not self.enabled:
            return None
        name = self.match(token)
        if self.hook is None:
            if name is not None:
                return Identity(name)
            message = "this gateway requires an auth token" if token is None else "wrong auth token"
            raise Refuse(StatusCode.UNAUTHENTICATED, message)
        credentials = Credentials(token, peer, name, username, path)
        try:
            result = self.hook(credentials)
        except Refuse:
            raise
        except Exception as e:  # a broken hook refuses; its message may hold the secret
            event("auth_hook_failed", logging.ERROR, peer=peer.address, error=type(e).__name__)
            raise Refuse(StatusCode.UNAUTHENTICATED, "authentication failed") from None
        if result is None:
            raise Refuse(StatusCode.UNAUTHENTICATED, "authentication failed")
        if isinstance(result, str):
            return Identity(result)
        if not isinstance(result, Identity):  # a bug in the hook: refuse rather than guess
            event("auth_hook_failed", logging.ERROR, returned=type(result).__name__)
            raise Refuse(StatusCode.UNAUTHENTICATED, "authentication failed")
        return result
