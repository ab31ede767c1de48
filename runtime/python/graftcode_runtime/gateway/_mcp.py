"""`/mcp`: the Model Context Protocol over Streamable HTTP, so MCP clients (Claude Desktop
through mcp-remote, Cursor, the official SDKs) use a hosted module's static functions as tools.

Revision 2026-07-28 is served (stateless: `server/discover`, the protocol version and client
capabilities in each request's `_meta`, the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name`
headers checked against the body), and so are the handshake revisions 2025-11-25, 2025-06-18
and 2025-03-26 (`initialize`, answered without a session id: nothing here keeps state between
requests). Every answer is one `application/json` body; no SSE stream is opened (a tool call
has one answer, and the server sends no requests of its own), so GET and DELETE are 405.

Why not the official `mcp` SDK's server: it is an ASGI (Starlette) application with its own
task groups, while the gateway's HTTP listener is h11 over trio with its own auth, limits and
route hook. The protocol surface tools need is small (five methods), and implementing it here
keeps one HTTP stack, one auth check and one call path. The SDK is the client of the tests.

A tool call goes through the one dispatch path (`Dispatcher.prepare`, then `Job.start` binds
and checks the arguments before user code runs, with interceptors and the caller's identity),
exactly like a Hypertube CALL; `/mcp/NAME` serves the hosted module NAME, `/mcp` the first.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import ugm
from ..protocol import Call, InstanceTable, InvalidValue, Op, RemoteError, StatusCode
from ._hosting import HostedModule
from ._log import event
from ._mcp_schema import JsonValues, SchemaBuilder, Tool, tools_of
from ._metrics import SessionStats
from ._routes import HttpRequest, HttpResponse
from ._trio_driver import run_job

if TYPE_CHECKING:
    from ._server import Gateway

MODERN = "2026-07-28"
HANDSHAKE = ("2025-11-25", "2025-06-18", "2025-03-26")
SUPPORTED = (MODERN, *HANDSHAKE)
_VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
_CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"
# JSON-RPC 2.0 and MCP error codes
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
INTERNAL_ERROR = -32603
HEADER_MISMATCH, UNSUPPORTED_VERSION = -32020, -32022


class _Refusal(Exception):
    """A JSON-RPC error answer."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


class ModuleTools:
    """One hosted module's tools, their schemas (built once) and value conversions."""

    def __init__(self, hosted: HostedModule, allow: Sequence[str]) -> None:
        self.hosted = hosted
        self.values = JsonValues(hosted.module)
        self.tools = {t.name: t for t in tools_of(hosted.module, allow)}
        schemas = SchemaBuilder(hosted.module)
        self.listing = [
            {
                "name": t.name,
                "title": t.idl_name,
                "description": _description(t.method),
                "inputSchema": schemas.input_schema(t.method),
                "outputSchema": schemas.output_schema(t.method),
            }
            for t in self.tools.values()
        ]

    def call(self, tool: Tool, arguments: Mapping[str, Any], call_id: int) -> Call:
        """The Hypertube CALL for a tool call; InvalidValue when the JSON cannot be a wire
        value. Positional-only parameters go positionally, the rest by name."""
        params = {p.name: p for p in tool.method.params}
        unknown = sorted(set(arguments) - set(params))
        if unknown:
            raise InvalidValue(f"unknown argument {unknown[0]!r}")
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for p in tool.method.params:
            if p.name not in arguments:
                continue
            try:
                value = self.values.to_wire(p.type, arguments[p.name])
            except InvalidValue as e:
                raise e.within(p.name) from None
            if p.kind == "positional":
                args.append(value)
            else:
                kwargs[p.name] = value
        return Call(call_id, Op.CALL, tool.target, tool.member, args=args, kwargs=kwargs)


def _description(method: ugm.Method) -> str:
    text = method.doc or ""
    if method.raises:
        text += f"\n\nRaises: {', '.join(method.raises)}."
    return text.strip()


class McpEndpoint:
    """The `/mcp` route of a gateway: `handle` is its async HTTP handler."""

    def __init__(self, gateway: Gateway, allow: Sequence[str] = ()) -> None:
        self.gateway = gateway
        self.modules = {name: ModuleTools(h, allow) for name, h in gateway.hosted.items()}
        self._ids = itertools.count(1)

    async def handle(self, request: HttpRequest) -> HttpResponse:
        name = request.path[len("/mcp/") :] if request.path.startswith("/mcp/") else ""
        tools = self.modules.get(name) if name else next(iter(self.modules.values()))
        if tools is None:
            return HttpResponse.text(f"no module {name!r}\n", status=404)
        origin = request.headers.get("origin")
        if not self.gateway.origin_allowed(origin, request.headers.get("host", "")):
            return HttpResponse.text("this origin may not use the MCP endpoint\n", status=403)
        if request.method != "POST":
            # no server-to-client stream (GET) and no sessions to end (DELETE)
            return HttpResponse(405, {"allow": "POST", "content-type": "text/plain"}, b"POST\n")
        try:
            message = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return _answer(None, error=_Refusal(PARSE_ERROR, "the body is not JSON"), status=400)
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            return _answer(
                None, error=_Refusal(INVALID_REQUEST, "not a JSON-RPC 2.0 message"), status=400
            )
        if "method" not in message or "id" not in message:
            return HttpResponse(202)  # a notification or a response: nothing to answer
        try:
            result = await self._request(tools, message, request)
        except _Refusal as e:
            status = 400 if e.code in (HEADER_MISMATCH, UNSUPPORTED_VERSION) else 200
            return _answer(message.get("id"), error=e, status=status)
        return _answer(message.get("id"), result=result)

    async def _request(
        self, tools: ModuleTools, message: dict[str, Any], request: HttpRequest
    ) -> dict[str, Any]:
        method = message["method"]
        params = message.get("params") or {}
        if not isinstance(method, str) or not isinstance(params, dict):
            raise _Refusal(INVALID_REQUEST, "method must be a string and params an object")
        if method == "initialize":
            return self._initialize(tools, params)
        version = self._version(method, params, request.headers)
        if method == "ping":
            return {}
        if method == "server/discover":
            return {
                **self._about(tools),
                "supportedVersions": list(SUPPORTED),
                **_cacheable(version),
            }
        if method == "tools/list":
            return {"tools": tools.listing, **_cacheable(version)}
        if method == "tools/call":
            result = await self._call(tools, params, request)
            return {**result, "resultType": "complete"} if version == MODERN else result
        raise _Refusal(METHOD_NOT_FOUND, f"method {method!r} is not served here")

    def _initialize(self, tools: ModuleTools, params: Mapping[str, Any]) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        version = asked if asked in HANDSHAKE else HANDSHAKE[0]
        return {"protocolVersion": version, **self._about(tools)}

    def _version(
        self, method: str, params: Mapping[str, Any], headers: Mapping[str, str]
    ) -> str | None:
        """The request's revision: the 2026-07-28 envelope (checked against the headers), or a
        handshake revision named by the header (None when a pre-header client sends none)."""
        meta = params.get("_meta")
        header = headers.get("mcp-protocol-version")
        if isinstance(meta, Mapping) and _VERSION_KEY in meta:
            version = meta[_VERSION_KEY]
            if header != version:
                raise _Refusal(
                    HEADER_MISMATCH, "MCP-Protocol-Version does not match the request's _meta"
                )
            if headers.get("mcp-method") != method:
                raise _Refusal(HEADER_MISMATCH, "Mcp-Method does not match the request's method")
            named = params.get("name") if method == "tools/call" else None
            if named is not None and _header_text(headers.get("mcp-name")) != named:
                raise _Refusal(HEADER_MISMATCH, "Mcp-Name does not match the request's name")
            if version != MODERN:
                data = {"supported": [MODERN], "requested": version}
                raise _Refusal(UNSUPPORTED_VERSION, "unsupported protocol version", data)
            if not isinstance(meta.get(_CAPABILITIES_KEY), Mapping):
                raise _Refusal(INVALID_PARAMS, f"params._meta lacks {_CAPABILITIES_KEY!r}")
            return MODERN
        if header is not None and header not in HANDSHAKE:
            data = {"supported": list(SUPPORTED), "requested": header}
            raise _Refusal(UNSUPPORTED_VERSION, f"unsupported protocol version {header!r}", data)
        return header

    def _about(self, tools: ModuleTools) -> dict[str, Any]:
        module = tools.hosted.module
        info = {"name": f"graftcode-{module.name}", "version": module.version or "0"}
        about: dict[str, Any] = {"capabilities": {"tools": {}}, "serverInfo": info}
        if module.doc:
            about["instructions"] = module.doc
        return about

    async def _call(
        self, tools: ModuleTools, params: Mapping[str, Any], request: HttpRequest
    ) -> dict[str, Any]:
        tool = tools.tools.get(str(params.get("name")))
        if tool is None:
            raise _Refusal(INVALID_PARAMS, f"unknown tool {params.get('name')!r}")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, Mapping):
            raise _Refusal(INVALID_PARAMS, "arguments must be an object")
        gateway = self.gateway
        instances = InstanceTable(gateway.config.max_instances)
        dispatcher = gateway.dispatcher(tools.hosted)
        started = time.monotonic()
        try:
            call = tools.call(tool, arguments, next(self._ids))
        except InvalidValue as e:
            where = f"{tools.hosted.name}.{tool.idl_name}"
            failed = RemoteError(StatusCode.INVALID_ARGUMENT, f"{where}: argument {e}")
            return self._failed(tools, tool, failed, None)
        traceparent = request.headers.get("traceparent")
        if traceparent:
            call = Call(call.id, call.op, call.target, call.member, args=call.args,
                        kwargs=call.kwargs, metadata={"traceparent": traceparent})  # fmt: skip
        try:
            job = dispatcher.prepare(call, instances, "mcp", None, started, request.identity)
        except RemoteError as e:
            return self._failed(tools, tool, e, None)
        try:
            value = await run_job(gateway, job)
        except Exception as e:  # whatever user code (or binding) raised, declared errors included
            return self._failed(tools, tool, job.failure(e, instances), started)
        try:
            wire = job.to_wire(value, instances)
        except RemoteError as e:
            return self._failed(tools, tool, e, started)
        self._count(tools, tool, "OK", started)
        result = tools.values.to_json(tool.method.returns, wire)
        return {
            "content": [{"type": "text", "text": json.dumps(result, ensure_ascii=False)}],
            "structuredContent": {"result": result},
            "isError": False,
        }

    def _failed(
        self, tools: ModuleTools, tool: Tool, e: RemoteError, started: float | None
    ) -> dict[str, Any]:
        """A failed tool call: logged and counted as the sessions do a failed call (with
        `transport=mcp`), answered as a tool error."""
        bug = e.code in (StatusCode.INTERNAL, StatusCode.UNKNOWN) and not e.type_name
        level = logging.WARNING if bug else logging.INFO
        event("call_failed", level, peer="mcp", target=tool.target, member=tool.member,
              code=e.code.name, type=e.type_name, message=e.message, transport="mcp")  # fmt: skip
        self._count(tools, tool, e.code.name, started)
        return _tool_error(e, tools.values, tools.hosted.module)

    def _count(self, tools: ModuleTools, tool: Tool, code: str, started: float | None) -> None:
        """`/metrics` counts tool calls with the calls of every connection (timed once run)."""
        metrics = self.gateway.metrics
        stats = SessionStats()
        member = metrics.member_label(tools.hosted.module, tool.target, tool.member)
        stats.answered(tools.hosted.name, member, code, started)
        metrics.add_ended(stats)


def _tool_error(
    e: RemoteError, values: JsonValues | None = None, module: ugm.Module | None = None
) -> dict[str, Any]:
    """A failed call as a tool error: declared errors carry their type and fields."""
    error: dict[str, Any] = {"code": e.code.name, "message": e.message}
    text = f"{e.code.name}: {e.message}"
    if e.type_name is not None:
        decl = module.find(e.type_name) if module is not None else None
        fields: Any = dict(e.fields)
        if values is not None and decl is not None:
            fields = values.to_json(ugm.Named(e.type_name), fields)
        error.update(type=e.type_name, fields=fields)
        text = f"{e.type_name}: {e.message} {json.dumps(fields, ensure_ascii=False)}"
    return {
        "content": [{"type": "text", "text": text}],
        "structuredContent": {"error": error},
        "isError": True,
    }


def _cacheable(version: str | None) -> dict[str, Any]:
    """2026-07-28 results that clients may cache say for how long: not at all here, because
    a restarted gateway may host another surface."""
    modern = {"ttlMs": 0, "cacheScope": "private", "resultType": "complete"}
    return modern if version == MODERN else {}


def _header_text(value: str | None) -> str | None:
    """`Mcp-Name` values that are not plain ASCII arrive as `=?base64?...?=`."""
    if value is None or not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    try:
        return base64.b64decode(value[9:-2], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _answer(
    message_id: Any, *, result: Any = None, error: _Refusal | None = None, status: int = 200
) -> HttpResponse:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": message_id}
    if error is None:
        body["result"] = result
    else:
        body["error"] = {"code": error.code, "message": error.message}
        if error.data is not None:
            body["error"]["data"] = error.data
    try:
        data = json.dumps(body, ensure_ascii=False, allow_nan=False).encode()
    except ValueError:  # a float result that JSON cannot spell (NaN, infinities)
        message = "the result has a value JSON cannot represent (NaN or an infinity)"
        return _answer(message_id, error=_Refusal(INTERNAL_ERROR, message))
    return HttpResponse(status, {"content-type": "application/json"}, data)
