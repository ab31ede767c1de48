"""What Vision needs to try calls and to hand the module to MCP clients: a runtime that runs
in browsers, served as ES modules (`/vision/rt/...`), the data the "Try it" script builds its
forms from, and the MCP panel (the URL and ready-to-paste client configuration).

The runtime comes from the first registered target whose package index offers one
(`browser_runtime()`, giving a `BrowserRuntime`): the page calls through exactly the code a
client of that language uses, over WebSocket, with an import map and no bundler. Request paths
are looked up in its listing, never joined to a path.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Sequence

from graftcode_runtime import ugm

from graftc import targets as graftc_targets
from graftc.targets.common.naming import package_name
from graftc.targets.common.serving import BrowserRuntime, Endpoints, RuntimeUnavailable

PREFIX = "/vision/rt/"
_lock = threading.Lock()
_found: list[BrowserRuntime | None] = []


def browser_runtime() -> BrowserRuntime | None:
    """The browser runtime (looked up once; building it if it never was), or None when no
    target offers one or it cannot be built: Vision then offers no calls."""
    with _lock:
        if not _found:
            runtime = None
            for target in graftc_targets.available():
                offer = getattr(target.index, "browser_runtime", None)
                if offer is None:
                    continue
                try:
                    runtime = offer()
                except RuntimeUnavailable:
                    continue
                break
            _found.append(runtime)
        return _found[0]


def runtime_file(path: str) -> tuple[bytes, str] | None:
    """The bytes and media type of `/vision/rt/<name>`; None for a name not in the listing."""
    runtime = browser_runtime()
    if runtime is None or not path.startswith(PREFIX):
        return None
    found = runtime.files.get(path[len(PREFIX) :])
    return (found.read_bytes(), runtime.media_type) if found is not None else None


def import_map() -> str:
    runtime = browser_runtime()
    imports = {k: PREFIX + v for k, v in runtime.imports.items()} if runtime else {}
    return json.dumps({"imports": imports})


def page_data(modules: Sequence[ugm.Module], endpoints: Endpoints) -> str:
    """The JSON the "Try it" script reads: each module's UGM and schema hash, the WebSocket
    URL and where the runtime is; safe inside a <script> element."""
    runtime = browser_runtime()
    doc = {
        "modules": {
            m.name: {"module": ugm.to_json(m)["module"], "schema_hash": ugm.schema_hash(m)}
            for m in modules
        },
        "ws": endpoints.ws,
        "runtime": PREFIX + (runtime.entry if runtime else ""),
    }
    return json.dumps(doc, sort_keys=True).replace("</", "<\\/")


def mcp_configs(module: str, url: str) -> list[tuple[str, str]]:
    """(title, text) for each MCP client: what to paste where. The token stays a placeholder:
    the page never shows a secret."""
    name = package_name(module)  # the name the module's packages have, as a server key
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
