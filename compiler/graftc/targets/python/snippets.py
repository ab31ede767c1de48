"""Vision's Python panel: the pip command, where calls go, and a snippet per member, spelled
with the generated package's own names (`naming`) and values (`values`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from graftcode_runtime import ugm

from graftc.targets.common.examples import example, required
from graftc.targets.common.naming import env_prefix
from graftc.targets.common.serving import Endpoints
from graftc.targets.common.walk import Member
from graftc.targets.python import model as m
from graftc.targets.python import naming
from graftc.targets.python.values import PyValues, spell


def index_url(base_url: str) -> str:
    return f"{base_url}/pypi/simple/"


class PythonSnippets:
    def install(self, base_url: str, module: str, version: str) -> str:
        return (
            f"pip install --extra-index-url {index_url(base_url)} "
            f"{naming.distribution_name(module)}=={version}"
        )

    def configs(self, module: ugm.Module, endpoints: Endpoints) -> list[tuple[str, str]]:
        pkg = naming.import_name(module.name)
        url = endpoints.tcp or endpoints.ws or "tcp://127.0.0.1:7470"
        out = [
            (
                "The package calls this gateway by default. Point it elsewhere in code:",
                f"import {pkg}\n\n{pkg}.configure(url={json.dumps(url)})",
            ),
            ("or with an environment variable:", f"export {env_prefix(module.name)}URL={url}"),
            ("or in graftcode.toml:", f'[modules.{module.name}]\nurl = "{url}"'),
        ]
        if endpoints.ws and endpoints.tcp:
            out.append(
                (
                    "Over WebSocket instead of TCP:",
                    f"{pkg}.configure(url={json.dumps(endpoints.ws)})",
                )
            )
        out.append(
            (
                "In memory (the module runs inside your process; it must be importable):",
                f'{pkg}.configure(url="inmemory:{module.name}")',
            )
        )
        return out

    def usage(self, member: Member, version: str | None) -> str:
        return _Snippet(member.module).usage(member)


class _Snippet:
    """One snippet: its body, and the imports it turned out to need."""

    def __init__(self, module: ugm.Module) -> None:
        self.module = module
        self.names: set[str] = set()
        self.imports = _Inline()
        self.values = PyValues(self.imports, self._enum, composite=self._record, module=module)

    def usage(self, member: Member) -> str:
        body = self._body(member)
        head = [i.line for section in self.imports.sections() for i in section]
        wanted = sorted(self.names, key=lambda n: (n[:1].islower(), n))
        head.append(f"from {naming.import_name(self.module.name)} import {', '.join(wanted)}")
        return "\n".join(head) + "\n\n" + body

    def _use(self, decl: str) -> str:
        name = naming.escape(decl, naming.MODULE_RESERVED)
        self.names.add(name)
        return name

    def _enum(self, lit: ugm.EnumLit) -> str:
        return f"{self._use(lit.enum)}.{naming.attribute(lit.member, naming.ENUM_RESERVED)}"

    def _record(self, decl: str, fields: Sequence[tuple[str, str]]) -> str:
        d = self.module.find(decl)
        if isinstance(d, ugm.Class):
            return naming.snake(decl)  # a variable holding an instance
        if not isinstance(d, ugm.Record):
            return "None"
        defaulted = {f.name for f in d.fields if f.default is not None}
        # the generated dataclasses default what the IDL defaults
        args = ", ".join(f"{naming.attribute(k)}={v}" for k, v in fields if k not in defaulted)
        return f"{self._use(decl)}({args})"

    def _value(self, t: ugm.TypeRef, name: str = "") -> str:
        return spell(example(self.module, t, name), self.values, t)

    def _args(self, params: tuple[ugm.Param, ...]) -> str:
        out = []
        for p in required(params):
            value = self._value(p.type, p.name)
            key = naming.escape(p.name, naming.PARAM_RESERVED)
            out.append(value if p.kind != "keyword" else f"{key}={value}")
        return ", ".join(out)

    def _body(self, member: Member) -> str:
        d, node = member.decl, member.node
        if isinstance(d, ugm.Service) and isinstance(node, ugm.Method):
            method = naming.attribute(node.name, naming.CLIENT_RESERVED)
            call = f"{self._use(d.name)}.{method}({self._args(node.params)})"
            if node.returns == ugm.Primitive("none"):
                return call
            return _result(call, node.returns)
        if isinstance(d, ugm.Class):
            return self._class(d, node)
        if isinstance(d, ugm.Error):
            name = self._use(d.name)
            fields = ", ".join(
                f"e.{naming.escape(f.name, naming.ERROR_RESERVED)}" for f in d.fields
            )
            return (
                f"try:\n    ...  # a call that raises {name}\n"
                f"except {name} as e:\n    print({fields or 'e'})"
            )
        if isinstance(d, ugm.Enum):
            name = self._use(d.name)
            return "\n".join(
                f"{name}.{naming.attribute(x.name, naming.ENUM_RESERVED)}  # {x.value!r}"
                for x in d.members[:3]
            )
        self._use(d.name)
        return f"value = {self._value(ugm.Named(d.name))}\nprint(value)"

    def _class(self, d: ugm.Class, node: ugm.Method | ugm.Constructor | ugm.Property | None) -> str:
        cls = self._use(d.name)
        var = naming.snake(d.name)
        ctor = (
            f"{var} = {cls}({self._args(d.constructor.params)})"
            if d.constructor is not None
            else f"{var}: {cls} = ...  # returned by another call"
        )
        if isinstance(node, ugm.Constructor) or node is None:
            return f"{ctor}\n...\n{var}.close()  # frees it in the gateway (or use `with`)"
        if isinstance(node, ugm.Method) and node.static:
            call = f"{cls}.{_member(node.name)}({self._args(node.params)})"
            return _result(call, node.returns)
        if isinstance(node, ugm.Method):
            call = f"{var}.{_member(node.name)}({self._args(node.params)})"
            return f"{ctor}\n{_result(call, node.returns)}"
        prop = _member(node.name)
        body = f"{ctor}\nprint({var}.{prop})"
        if not node.readonly:
            body += f"\n{var}.{prop} = {self._value(node.type, node.name)}"
        return body


def _result(call: str, returns: ugm.TypeRef) -> str:
    """Use the call's result: a stream's items in a `for` loop (`break` cancels the call)."""
    if isinstance(returns, ugm.StreamOf):
        return f"for item in {call}:\n    print(item)"
    return f"result = {call}\nprint(result)"


def _member(name: str) -> str:
    """A class member's name on the generated proxies."""
    return naming.attribute(name, naming.SYNC_PROXY_RESERVED | naming.ASYNC_PROXY_RESERVED)


class _Inline(m.Imports):
    """A snippet's imports: module-level constants are written in place instead."""

    def constant(self, name: str, value: str) -> str:
        return value


SNIPPETS = PythonSnippets()
