"""`graftc call`: call one member of a running gateway from the shell, like grpcurl.

    graftc call tcp://127.0.0.1:7470 shop.get_product '"A-1"'
    graftc call ws://127.0.0.1:7471/ calculator.total '[1, 2]' start=10
    graftc call http://127.0.0.1:7472/ --list

Arguments are JSON (positional, or `name=JSON` for a keyword), with one extension for bytes,
which JSON lacks: `{"$bytes": "<base64>"}`. The result is printed as JSON in the same form
(dates, times, decimals and UUIDs are ISO/canonical strings on the wire already, a duration an
int of microseconds; a union value is `["member", value]`). Errors go to
stderr as `CODE: message` and the exit status says which kind (`EXIT_*` below; docs/gateway.md).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graftcode_runtime import ugm
from graftcode_runtime.protocol._errors import GraftError, StatusCode

EXIT_USAGE = 2  # a bad argument (not JSON, a malformed k=v): nothing was sent
EXIT_STATUS_BASE = 64  # the call failed with status code N: exit 64 + N (UNAVAILABLE: 78)
_KEYWORD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


class UsageError(Exception):
    pass


def register(sub: Any) -> None:
    p = sub.add_parser(
        "call",
        help="call a member of a running gateway from the shell (JSON in, JSON out)",
        description=(
            "Call MEMBER (`module.function`, `module.Class.static_method`, or `module.Class` "
            "for a constructor; the module may be left out when the gateway hosts one) on the "
            "gateway at URL (tcp://, tls://, ws://, wss://). ARGS are JSON values, positional "
            'or name=JSON; bytes are written {"$bytes": "<base64>"}. The result is printed '
            "as JSON. With --list, print the members callable this way, from the gateway's HTTP "
            "listener (URL http://...) or a .graft file. Errors print `CODE: message` and exit "
            "64 + the status code (usage errors: 2)."
        ),
    )
    p.add_argument("url", metavar="URL")
    p.add_argument("member", metavar="MEMBER", nargs="?")
    p.add_argument("args", metavar="ARGS", nargs="*", help="JSON values, or name=JSON")
    p.add_argument("--list", action="store_true", help="list the callable members with signatures")
    p.add_argument(
        "--metadata", "-H", action="append", default=[], metavar="K=V",
        help="metadata sent with the call (repeatable)",
    )  # fmt: skip
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="the call's deadline")
    add_token_options(p)
    p.add_argument("--insecure", action="store_true", help="tls/wss: accept any certificate")
    p.add_argument("--ca-file", metavar="FILE", help="tls/wss: trust this CA (PEM)")
    p.set_defaults(func=run)


def add_token_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--token",
        help="the gateway's auth token (better: $GRAFT_TOKEN or --token-file, which stay out of "
        "the process list and the shell history)",
    )
    p.add_argument("--token-file", metavar="FILE", help="a file holding the token")


def run(args: argparse.Namespace) -> int:
    try:
        token = token_from(args)
        if args.list:
            print(list_members(surface(args.url, token)))
            return 0
        if not args.member:
            raise UsageError("give MEMBER (or --list)")
        metadata = dict(_pair(m) for m in args.metadata)
        positional, keywords = parse_arguments(args.args)
        result = _call(args, token, metadata, positional, keywords)
    except UsageError as e:
        print(f"graftc call: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except GraftError as e:
        _report(e)
        return EXIT_STATUS_BASE + int(e.code)
    except OSError as e:
        print(f"UNAVAILABLE: cannot reach {args.url}: {e.strerror or e}", file=sys.stderr)
        return EXIT_STATUS_BASE + int(StatusCode.UNAVAILABLE)
    print(json.dumps(to_json(result), indent=2, ensure_ascii=False))
    return 0


# ------------------------------------------------------------------------------ arguments


def parse_arguments(raw: Sequence[str]) -> tuple[list[Any], dict[str, Any]]:
    """JSON values in; `name=JSON` is a keyword argument (a positional string is quoted)."""
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for i, text in enumerate(raw, 1):
        m = _KEYWORD.match(text)
        name, value = (m.group(1), m.group(2)) if m else (None, text)
        where = f"argument {name!r}" if name else f"argument {i}"
        try:
            decoded = from_json(json.loads(value))
        except json.JSONDecodeError as e:
            hint = " (a string is written in quotes: '\"text\"')" if value[:1] != '"' else ""
            raise UsageError(f"{where} is not JSON: {value!r}: {e.msg}{hint}") from None
        if name is None:
            if keywords:
                raise UsageError(f"{where}: a positional argument after a keyword argument")
            positional.append(decoded)
        else:
            keywords[name] = decoded
    return positional, keywords


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$bytes"} and isinstance(value["$bytes"], str):
            try:
                return base64.b64decode(value["$bytes"], validate=True)
            except ValueError:
                raise UsageError(f"not base64: {value['$bytes']!r}") from None
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def to_json(value: Any) -> Any:
    """A wire value (msgpack types, remote instances) as JSON; bytes as {"$bytes": base64}."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    class_name = getattr(value, "class_name", None)
    if class_name is not None:  # a remote instance: it ends with this command's connection
        return {"$instance": class_name, "id": getattr(value, "id", None)}
    return str(value)


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"--metadata takes key=value, got {text!r}")
    return key.strip().lower(), value


def token_from(args: argparse.Namespace) -> str | None:
    """--token, else --token-file or $GRAFT_TOKEN_FILE, else $GRAFT_TOKEN: one gateway is
    named on the command line, so a global variable is safe here (unlike in a client)."""
    if args.token:
        return str(args.token)
    path = args.token_file or os.environ.get("GRAFT_TOKEN_FILE")
    if path:
        from graftcode_runtime.config import ConfigError, read_token_file

        try:
            return read_token_file(path, "--token-file" if args.token_file else "$GRAFT_TOKEN_FILE")
        except ConfigError as e:
            raise UsageError(str(e)) from None
    return os.environ.get("GRAFT_TOKEN") or None


# ------------------------------------------------------------------------------ the call


def _call(
    args: argparse.Namespace,
    token: str | None,
    metadata: dict[str, str],
    positional: list[Any],
    keywords: dict[str, Any],
) -> Any:
    from graftcode_runtime import connect

    options: dict[str, Any] = {"auth": token, "connect_timeout": args.timeout or 10.0}
    if args.insecure or args.ca_file:
        from graftcode_runtime.config import TLSSettings

        options["ssl_context"] = TLSSettings(
            ca_file=args.ca_file, verify=not args.insecure
        ).context()
    if args.url.startswith(("http://", "https://")):
        raise UsageError("calls go to the gateway's tcp://, tls://, ws:// or wss:// listener")
    member = str(args.member)
    with connect(args.url, **options) as client:
        modules = client.server_hello.modules if client.server_hello else ()
        module, rest = split_member(member, modules)
        if module != client.module:
            client.close()
            with connect(args.url, module=module, **options) as other:
                return _invoke(other, rest, args, metadata, positional, keywords)
        return _invoke(client, rest, args, metadata, positional, keywords)


def _invoke(
    client: Any,
    rest: str,
    args: argparse.Namespace,
    metadata: dict[str, str],
    positional: list[Any],
    keywords: dict[str, Any],
) -> Any:
    if rest[:1].isupper() and "." not in rest:  # `Class`: its constructor
        spec = client._new_spec(rest, tuple(positional), keywords)
    else:
        spec = client._call_spec(rest, tuple(positional), keywords)
    return client.invoke(spec, timeout=args.timeout, metadata=metadata)


def split_member(member: str, modules: Sequence[str]) -> tuple[str, str]:
    """`shop.Cart.with_items` -> (`shop`, `Cart.with_items`): the longest hosted module name
    that prefixes MEMBER; with one module hosted, MEMBER may leave it out."""
    for name in sorted(modules, key=len, reverse=True):
        if member.startswith(name + "."):
            return name, member[len(name) + 1 :]
    if len(modules) == 1:
        return modules[0], member
    raise UsageError(
        f"MEMBER {member!r} names none of the hosted modules ({', '.join(modules)}): "
        "spell it module.function or module.Class.method"
    )


def _report(e: GraftError) -> None:
    print(f"{e.code.name}: {e.message}", file=sys.stderr)
    type_name = getattr(e, "type_name", None)
    if type_name:
        fields = json.dumps(to_json(dict(getattr(e, "fields", {}))), ensure_ascii=False)
        print(f"{type_name} {fields}", file=sys.stderr)


# ------------------------------------------------------------------------------ --list


def surface(source: str, token: str | None) -> list[ugm.Module]:
    """The modules of a gateway's HTTP listener (`/status`, then `/ugm/NAME`), or a .graft."""
    if source.endswith(".graft"):
        from graftc.idl import load

        return [load(Path(source))]
    if not source.startswith(("http://", "https://")):
        raise UsageError(
            "--list reads the surface from the gateway's HTTP listener (http://HOST:PORT/) or "
            "a .graft file: the call protocol does not describe it"
        )
    base = source.rstrip("/")
    status = get_json(f"{base}/status", token)
    if "modules" not in status:  # a gateway that requires a token tells its state only
        raise GraftError(
            f"{base} describes its modules only with a token "
            "(--token, $GRAFT_TOKEN or --token-file)",
            code=StatusCode.UNAUTHENTICATED,
        )
    names = [m["name"] for m in status["modules"]]
    return [ugm.from_json(get_json(f"{base}/ugm/{name}", token)) for name in names]


def get_json(url: str, token: str | None) -> Any:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as e:
        code = StatusCode.UNAUTHENTICATED if e.code == 401 else StatusCode.UNAVAILABLE
        raise GraftError(f"GET {url}: HTTP {e.code} {e.reason}", code=code) from None
    except urllib.error.URLError as e:
        raise GraftError(f"GET {url}: {e.reason}", code=StatusCode.UNAVAILABLE) from None


def list_members(modules: Sequence[ugm.Module]) -> str:
    """One line per member callable from the shell: functions, static methods, constructors."""
    from graftc.idl import params_text, type_text

    lines: list[str] = []
    for m in modules:
        for d in m.decls:
            if isinstance(d, ugm.Service):
                for f in d.methods:
                    lines.append(
                        f"{m.name}.{f.name}({params_text(f.params)}) -> {type_text(f.returns)}"
                    )
            elif isinstance(d, ugm.Class):
                if d.constructor is not None:
                    lines.append(f"{m.name}.{d.name}({params_text(d.constructor.params)})")
                for f in d.methods:
                    if f.static:
                        sig = f"({params_text(f.params)}) -> {type_text(f.returns)}"
                        lines.append(f"{m.name}.{d.name}.{f.name}{sig}")
    return "\n".join(lines)
