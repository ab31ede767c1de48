"""Vision's TypeScript panel: the npm command, where calls go, and a snippet per member, spelled
with the generated package's own names (`naming`) and values (`values`)."""

from __future__ import annotations

import json

from graftcode_runtime import ugm

from graftc.targets.common.examples import example, required
from graftc.targets.common.naming import env_prefix
from graftc.targets.common.serving import Endpoints
from graftc.targets.common.walk import Member
from graftc.targets.typescript import naming
from graftc.targets.typescript.values import TsValues, spell

_TAIL = "\nawait client.close();"


def tarball_url(base_url: str, module: str, version: str) -> str:
    return f"{base_url}/npm/{naming.tarball_filename(naming.package_name(module), version)}"


class TypeScriptSnippets:
    def install(self, base_url: str, module: str, version: str) -> str:
        return f"npm install {tarball_url(base_url, module, version)}"

    def configs(self, module: ugm.Module, endpoints: Endpoints) -> list[tuple[str, str]]:
        pkg = naming.package_name(module.name)
        url = endpoints.ws or endpoints.tcp or "ws://127.0.0.1:7471/"
        out = [
            (
                "The package calls this gateway by default. Point it elsewhere in code:",
                f'import {{ connect }} from "{pkg}";\n\n'
                f"const client = await connect({{ url: {json.dumps(url)} }});",
            ),
            (
                "or with an environment variable (Node):",
                f"export {env_prefix(module.name)}URL={url}",
            ),
        ]
        if endpoints.tcp and endpoints.ws:
            out.append(
                (
                    "Over TCP (Node only):",
                    f"const client = await connect({{ url: {json.dumps(endpoints.tcp)} }});",
                )
            )
        out.append(
            (
                "In memory: not available from TypeScript",
                "// The module is Python, so it cannot run inside a JavaScript process.\n"
                "// Use a tcp:// or ws:// URL of a gateway instead.",
            )
        )
        return out

    def usage(self, member: Member, version: str | None) -> str:
        return _Snippet(member.module).usage(member)


def _result(call: str, returns: ugm.TypeRef) -> str:
    """Use the call's result: a stream in a `for await` loop (`break` would cancel it)."""
    if isinstance(returns, ugm.StreamOf):
        return f"for await (const item of {call}) {{\n  console.log(item);\n}}"
    return f"const result = await {call};\nconsole.log(result);"


class _Values(TsValues):
    """Vision's example values, noting the enums they use (the snippet imports them)."""

    def __init__(self, module: ugm.Module) -> None:
        super().__init__(module=module)
        self.enums: set[str] = set()

    def enum(self, lit: ugm.EnumLit) -> str:
        self.enums.add(lit.enum)
        return super().enum(lit)


class _Snippet:
    def __init__(self, module: ugm.Module) -> None:
        self.module = module
        self.values = _Values(module)

    def usage(self, member: Member) -> str:
        names, body = self._body(member)
        used = [e.name for e in self.module.enums if e.name in self.values.enums]
        names = [n for n in used if n not in names] + names
        keyword = "import type" if all(n.startswith("type ") for n in names) else "import"
        if keyword == "import type":
            names = [n.removeprefix("type ") for n in names]
        pkg = naming.package_name(self.module.name)
        return f'{keyword} {{ {", ".join(names)} }} from "{pkg}";\n\n{body}'

    def _value(self, t: ugm.TypeRef, name: str = "") -> str:
        if isinstance(t, ugm.StreamOf):  # any (async) iterable is a client stream
            return f"[{self._value(t.item, name)}]"
        return spell(example(self.module, t, name), self.values, t)

    def _args(self, params: tuple[ugm.Param, ...]) -> str:
        pos = [self._value(p.type, p.name) for p in required(params) if p.kind != "keyword"]
        kw = [
            f"{naming.binding(p.name)}: {self._value(p.type, p.name)}"
            for p in required(params)
            if p.kind == "keyword"
        ]
        if kw:
            pos.append("{ " + ", ".join(kw) + " }")
        return ", ".join(pos)

    def _body(self, member: Member) -> tuple[list[str], str]:
        """The names to import, and the code after the import line."""
        d, node = member.decl, member.node
        connect = "const client = await connect();\n"
        if isinstance(d, ugm.Service) and isinstance(node, ugm.Method):
            call = f"client.{naming.camel(d.name)}.{naming.member(node.name)}"
            body = _result(f"{call}({self._args(node.params)})", node.returns)
            return ["connect"], connect + body + _TAIL
        if isinstance(d, ugm.Class):
            names = ["connect"] if d.constructor is not None else ["connect", f"type {d.name}"]
            return names, connect + self._class(d, node) + _TAIL
        if isinstance(d, ugm.Error):
            field = f".{naming.camel(d.fields[0].name)}" if d.fields else ".message"
            return [d.name], (
                f"try {{\n  // a call that throws {d.name}\n}} catch (e) {{\n"
                f"  if (e instanceof {d.name}) console.log(e{field});\n  else throw e;\n}}"
            )
        if isinstance(d, ugm.Enum):
            first = d.members[0].name if d.members else "X"
            return [d.name], f"console.log({d.name}.{first});"
        value = self._value(ugm.Named(d.name))
        return [f"type {d.name}"], f"const value: {d.name} = {value};"

    def _class(self, d: ugm.Class, node: ugm.Method | ugm.Constructor | ugm.Property | None) -> str:
        var = naming.variable(d.name)
        if d.constructor is not None:
            ctor = (
                f"const {var} = await client.{d.name}.create({self._args(d.constructor.params)});\n"
            )
        else:
            ctor = f"declare const {var}: {d.name}; // returned by another call\n"
        if isinstance(node, ugm.Method) and node.static:
            call = f"client.{d.name}.{naming.member(node.name)}({self._args(node.params)})"
            return _result(call, node.returns)
        if isinstance(node, ugm.Method):
            call = f"{var}.{naming.member(node.name)}({self._args(node.params)})"
            return ctor + _result(call, node.returns) + f"\nawait {var}.close();"
        if isinstance(node, ugm.Property):
            body = f"console.log(await {var}.{naming.member('get_' + node.name)}());\n"
            if not node.readonly:
                setter = naming.member("set_" + node.name)
                body += f"await {var}.{setter}({self._value(node.type, node.name)});\n"
            return ctor + body + f"await {var}.close();"
        return ctor + f"// ...\nawait {var}.close(); // frees it in the gateway"


SNIPPETS = TypeScriptSnippets()
