"""What Vision needs to try calls and to hand the module to MCP clients: the TypeScript
runtime's browser entry served as ES modules (`/vision/rt/...`), the data the "Try it" script
builds its forms from, and the MCP panel (the URL and ready-to-paste client configuration).

The runtime files are the compiled `graftcode-runtime` (its `dist/`) and its one browser
dependency, `@msgpack/msgpack` (its `dist.esm/`), mapped with an import map: no bundler runs
on the developer's machine, and the page calls through exactly the code a TypeScript client
uses. Request paths are looked up in the listing of those two folders, never joined to a path.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Sequence
from pathlib import Path

from graftcode_runtime import ugm

from graftc.targets.common.serving import Endpoints

PREFIX = "/vision/rt/"
MSGPACK = "msgpack/"
_lock = threading.Lock()
_files: dict[str, Path] | None = None


def runtime_files() -> dict[str, Path]:
    """URL path below PREFIX -> file, listed once (building the runtime if it never was).
    Empty when the TypeScript runtime is not available (Vision then offers no calls)."""
    global _files
    with _lock:
        if _files is None:
            from graftc.targets.typescript.package import RuntimeUnavailable, ensure_runtime_built

            try:
                root = ensure_runtime_built()
            except RuntimeUnavailable:
                return {}
            found: dict[str, Path] = {}
            dist = root / "dist"
            for path in [*dist.glob("*.js"), *dist.glob("transports/*.js")]:
                found[path.relative_to(dist).as_posix()] = path
            esm = root / "node_modules" / "@msgpack" / "msgpack" / "dist.esm"
            for path in esm.rglob("*.mjs"):
                found[MSGPACK + path.relative_to(esm).as_posix()] = path
            _files = found
        return _files


def runtime_file(path: str) -> bytes | None:
    """The bytes of `/vision/rt/<name>`, or None for any name not in the listing."""
    found = runtime_files().get(path[len(PREFIX) :]) if path.startswith(PREFIX) else None
    return found.read_bytes() if found is not None else None


def import_map() -> str:
    imports = {"@msgpack/msgpack": f"{PREFIX}{MSGPACK}index.mjs"}
    return json.dumps({"imports": imports})


def page_data(modules: Sequence[ugm.Module], endpoints: Endpoints) -> str:
    """The JSON the "Try it" script reads: each module's UGM and schema hash, the WebSocket
    URL and where the runtime is; safe inside a <script> element."""
    doc = {
        "modules": {
            m.name: {"module": ugm.to_json(m)["module"], "schema_hash": ugm.schema_hash(m)}
            for m in modules
        },
        "ws": endpoints.ws,
        "runtime": f"{PREFIX}browser.js",
    }
    return json.dumps(doc, sort_keys=True).replace("</", "<\\/")


def mcp_configs(module: str, url: str) -> list[tuple[str, str]]:
    """(title, text) for each MCP client: what to paste where. The token stays a placeholder:
    the page never shows a secret."""
    name = f"graft-{module}"
    bearer = "Authorization: Bearer ${GRAFT_TOKEN}"
    desktop = {
        "mcpServers": {
            name: {
                "command": "npx",
                "args": ["mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"],
                "env": {"AUTH_HEADER": "Bearer YOUR_TOKEN"},
            }
        }
    }
    cursor = {
        "mcpServers": {
            name: {"url": url, "headers": {"Authorization": "Bearer ${env:GRAFT_TOKEN}"}}
        }
    }
    return [
        ("Claude Desktop (claude_desktop_config.json; drop --header and env without auth)",
         json.dumps(desktop, indent=2)),
        ("Cursor (.cursor/mcp.json; drop headers without auth)", json.dumps(cursor, indent=2)),
        ("Any client, through mcp-remote", f'npx mcp-remote {url} --header "{bearer}"'),
    ]  # fmt: skip


def mcp_panel(module: ugm.Module, base_url: str, first: bool) -> str:
    """The MCP section of a module: its endpoint URL and the client configurations."""
    url = base_url.rstrip("/") + ("/mcp" if first else f"/mcp/{module.name}")
    e = html.escape
    out = [
        '<div class="mcp"><h3>MCP (AI tools)</h3>',
        f'<p>MCP endpoint (Streamable HTTP, revision 2026-07-28): <code class="mcp-url">{e(url)}'
        "</code>. Static functions are tools; served with <code>graftc serve --mcp on</code> (the "
        "default in development).</p>",
    ]
    for title, text in mcp_configs(module.name, url):
        out.append(f'<p class="config-title">{e(title)}</p>')
        out.append(f'<div class="cmd"><pre class="mcp-config"><code>{e(text)}</code></pre>')
        out.append('<button class="copy" type="button">Copy</button></div>')
    out.append("</div>")
    return "".join(out)


def instances_panel() -> str:
    """Filled by the script: the instances this page created, each with a Release button."""
    return (
        '<div class="tryit-panel" hidden><h3>Instances created here</h3>'
        '<ul class="instances"></ul></div>'
    )
