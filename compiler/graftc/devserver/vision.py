"""Vision: the gateway's web page describing each hosted module and how to call it.

Server-rendered from the UGM alone (no business logic runs for it), with a small inline
script to pick a member, switch language and copy commands. Everything is in the one
response: no CDN, no external fonts, so it works on an air-gapped machine. Each registered
target is a tab: its install command, configuration and snippets come from `Target.snippets`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc import targets as graftc_targets
from graftc.devserver import signatures, tryit
from graftc.targets import Target
from graftc.targets.common.serving import Endpoints
from graftc.targets.common.walk import Member, members_of

if TYPE_CHECKING:
    from graftc.devserver.store import PackageStore


def _e(s: object) -> str:
    return html.escape(str(s), quote=True)


def _asset(name: str) -> str:
    return resources.files("graftc.devserver").joinpath("assets", name).read_text("utf-8")


@dataclass
class _Page:
    parts: list[str] = field(default_factory=list)

    def add(self, s: str) -> None:
        self.parts.append(s)


def _badges(node: object) -> str:
    out = []
    reason = ugm.deprecation(node)
    if reason is not None:
        title = f' title="{_e(reason)}"' if reason else ""
        out.append(f'<span class="badge deprecated"{title}>deprecated</span>')
    since = ugm.annotation(node, "since")
    if since is not None and since.args and isinstance(since.args[0], ugm.StrLit):
        out.append(f'<span class="badge since">since {_e(since.args[0].value)}</span>')
    return "".join(out)


def _doc(doc: str | None, reason: str | None = None) -> str:
    out = ""
    if reason:
        out += f'<p class="deprecation">Deprecated: {_e(reason)}</p>'
    if doc:
        out += f'<div class="doc">{_e(doc)}</div>'
    return out


def render_vision(
    modules: Sequence[ugm.Module],
    *,
    store: PackageStore | None,
    base_url: str,
    endpoints: Endpoints,
    idl: Callable[[ugm.Module], str] | None,
    targets: Sequence[Target] | None = None,
) -> str:
    """`targets`: the tabs, by default the store's (else every registered target)."""
    if targets is None:
        targets = list(store.targets.values()) if store is not None else graftc_targets.available()
    page = _Page()
    page.add('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    page.add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    names = ", ".join(m.name for m in modules) or "no modules"
    page.add(f"<title>graftcode Vision: {_e(names)}</title>")
    page.add(f"<style>{_asset('vision.css')}</style></head><body>")
    page.add('<header class="top"><h1>graftcode Vision</h1>')
    page.add(f'<span class="gateway">gateway <code>{_e(base_url)}</code></span>')
    for label, url in (("TCP", endpoints.tcp), ("WebSocket", endpoints.ws)):
        if url:
            page.add(f'<span class="gateway">{label} <code>{_e(url)}</code></span>')
    links = [("status", "/status"), ("UGM JSON", "/ugm")]
    links += [link for t in targets for link in t.index.links]
    page.add(" ".join(f'<a href="{_e(href)}">{_e(label)}</a>' for label, href in links))
    page.add(
        '<label class="tryit-panel" hidden>token for calls <input id="tryit-token" '
        'type="password" autocomplete="off" placeholder="if the gateway requires one"></label>'
    )
    page.add("</header>")
    if not modules:
        page.add("<main><p>This gateway hosts no modules.</p></main>")
    snippets: dict[str, dict[str, str]] = {}
    page.add('<div class="layout"><nav id="toc">')
    page.add(
        '<input id="filter" type="search" placeholder="Filter members" '
        'aria-label="Filter members" autocomplete="off">'
    )
    for m in modules:
        page.add(_toc(m))
    page.add("</nav><main>")
    for i, m in enumerate(modules):
        page.add(_module_section(m, targets, store, base_url, endpoints, idl, snippets, i == 0))
    page.add("</main></div>")
    blob = json.dumps(snippets, sort_keys=True).replace("</", "<\\/")
    page.add(f'<script type="application/json" id="snippets">{blob}</script>')
    page.add(f"<script>{_asset('vision.js')}</script>")
    if endpoints.ws and tryit.browser_runtime():  # calls travel over WebSocket, through a runtime
        data = tryit.page_data(modules, endpoints)
        page.add(f'<script type="application/json" id="tryit-data">{data}</script>')
        page.add(f'<script type="importmap">{tryit.import_map()}</script>')
        page.add(f'<script type="module">{_asset("tryit.js")}</script>')
    page.add("</body></html>\n")
    return "".join(page.parts)


def _toc(m: ugm.Module) -> str:
    out = [f'<div class="toc-module"><a href="#module-{_e(m.name)}">{_e(m.name)}</a><ul>']
    for member in members_of(m):
        dep = " dep" if member.deprecated is not None else ""
        out.append(
            f'<li><a href="#{_e(member.anchor)}" class="member-link{dep}" '
            f'data-member="{_e(member.id)}">{_e(member.label)}</a></li>'
        )
    out.append("</ul></div>")
    return "".join(out)


def _module_section(
    m: ugm.Module,
    targets: Sequence[Target],
    store: PackageStore | None,
    base_url: str,
    endpoints: Endpoints,
    idl: Callable[[ugm.Module], str] | None,
    snippets: dict[str, dict[str, str]],
    first_module: bool = True,
) -> str:
    mid = m.name
    shash = ugm.schema_hash(m)
    out = [f'<section class="module" id="module-{_e(mid)}" data-module="{_e(mid)}">']
    out.append(f'<h2>module <span class="name">{_e(m.name)}</span> {_badges(m)}</h2>')
    out.append('<dl class="facts">')
    out.append(f'<dt>version</dt><dd class="version">{_e(m.version)}</dd>')
    out.append(
        f'<dt>schema hash</dt><dd><code class="hash" title="{shash}">{shash[:16]}</code></dd>'
    )
    out.append("</dl>")
    out.append(_doc(m.doc))

    members = members_of(m)
    first = next((x for x in members if x.callable), members[0] if members else None)
    out.append('<div class="use"><div class="tabs" role="tablist">')
    for i, t in enumerate(targets):
        sel = "true" if i == 0 else "false"
        out.append(
            f'<button role="tab" class="tab" aria-selected="{sel}" data-target="{_e(t.name)}">'
            f"{_e(t.label)}</button>"
        )
    out.append("</div>")
    for i, t in enumerate(targets):
        version = _version(store, m, t)
        out.append(_target_panel(m, t, version, base_url, endpoints, first, hidden=i > 0))
        for member in members:
            entry = snippets.setdefault(member.id, {"label": member.label})
            entry[t.name] = t.snippets.usage(member, version)
    out.append("</div>")

    out.append(tryit.mcp_panel(m, base_url, first_module))
    out.append(tryit.instances_panel())
    out.append('<h3>Declarations</h3><div class="decls">')
    for d in m.decls:
        out.append(_decl(m, d))
    out.append("</div>")

    out.append("<h3>Interface (IDL)</h3>")
    if idl is not None:
        try:
            text = idl(m)
        except Exception as e:  # a printer bug must not hide the rest of the page
            text = f"// the IDL printer failed: {type(e).__name__}: {e}"
        out.append(
            f'<p><a class="download" href="/idl/{_e(m.name)}" download="{_e(m.name)}.graft">'
            f"download {_e(m.name)}.graft</a></p>"
        )
        out.append(f'<pre class="idl"><code>{_e(text)}</code></pre>')
    else:
        out.append("<p>The IDL printer is not available in this installation.</p>")
    out.append("</section>")
    return "".join(out)


def _version(store: PackageStore | None, m: ugm.Module, target: Target) -> str | None:
    if store is None:
        return None
    try:
        return store.version(target.name, m.name)
    except Exception:
        return None


def _target_panel(
    m: ugm.Module,
    t: Target,
    version: str | None,
    base_url: str,
    endpoints: Endpoints,
    first: Member | None,
    *,
    hidden: bool,
) -> str:
    hid = " hidden" if hidden else ""
    key = _e(t.name)
    out = [f'<div class="panel" data-target="{key}"{hid}>']
    if version is None:
        out.append(
            f'<p class="problem">No {t.label} package: the module version {_e(m.version)!s} '
            "cannot be spelled as a package version.</p>"
        )
    else:
        cmd = t.snippets.install(base_url, m.name, version)
        out.append('<h4>Install</h4><div class="cmd">')
        out.append(f'<pre class="install" data-target="{key}"><code>{_e(cmd)}</code></pre>')
        out.append('<button class="copy" type="button">Copy</button></div>')
    out.append("<h4>Configure</h4>")
    for title, code in t.snippets.configs(m, endpoints):
        out.append(f'<p class="config-title">{_e(title)}</p>')
        out.append(f'<div class="cmd"><pre class="config"><code>{_e(code)}</code></pre>')
        out.append('<button class="copy" type="button">Copy</button></div>')
    label = first.label if first else ""
    code = t.snippets.usage(first, version) if first else "(this module has no members)"
    out.append(f'<h4>Usage: <span class="usage-member">{_e(label)}</span></h4>')
    out.append(
        f'<div class="cmd"><pre class="usage" data-target="{key}"><code>{_e(code)}</code></pre>'
    )
    out.append('<button class="copy" type="button">Copy</button></div>')
    out.append("</div>")
    return "".join(out)


def _member_row(member: Member, signature: str, doc: str | None, node: object) -> str:
    reason = ugm.deprecation(node)
    return (
        f'<li class="member" id="{_e(member.anchor)}" data-member="{_e(member.id)}" tabindex="0">'
        f'<code class="sig">{_e(signature)}</code>{_badges(node)}{_doc(doc, reason)}</li>'
    )


def _decl(m: ugm.Module, d: ugm.Decl) -> str:
    whole = Member(m, d, None)
    kind = type(d).__name__.lower()
    out = [
        f'<article class="decl {kind}" id="{_e(whole.anchor)}" data-member="{_e(whole.id)}">',
        f'<h4><code class="sig">{_e(signatures.decl_header(d))}</code>{_badges(d)}</h4>',
        _doc(d.doc, ugm.deprecation(d)),
        '<ul class="members">',
    ]
    if isinstance(d, ugm.Record | ugm.Error):
        for f in d.fields:
            out.append(
                f'<li class="field"><code class="sig">{_e(signatures.field_text(f))}</code>'
                f"{_badges(f)}{_doc(f.doc, ugm.deprecation(f))}</li>"
            )
    elif isinstance(d, ugm.Enum):
        for em in d.members:
            out.append(
                f'<li class="field"><code class="sig">{_e(signatures.member_value_text(em))}</code>'
                f"{_badges(em)}{_doc(em.doc, ugm.deprecation(em))}</li>"
            )
    elif isinstance(d, ugm.Service):
        for meth in d.methods:
            out.append(
                _member_row(Member(m, d, meth), signatures.method_text(meth), meth.doc, meth)
            )
    else:
        if d.constructor is not None:
            c = d.constructor
            out.append(_member_row(Member(m, d, c), signatures.constructor_text(c), c.doc, c))
        elif not d.methods or all(not x.static for x in d.methods):
            out.append(
                '<li class="note">No constructor: instances come back from other calls.</li>'
            )
        for meth in d.methods:
            out.append(
                _member_row(Member(m, d, meth), signatures.method_text(meth), meth.doc, meth)
            )
        for p in d.properties:
            out.append(_member_row(Member(m, d, p), signatures.property_text(p), p.doc, p))
    out.append("</ul></article>")
    return "".join(out)


__all__ = ["Endpoints", "members_of", "render_vision"]
