"""Per-language text for Vision: install command, configuration examples and a usage snippet for
each member, spelled the way the generated client spells it (its naming rules are imported
from the targets, so a rename there shows here)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from graftcode_runtime import ugm

from graftc.devserver import commands, naming

Node = ugm.Method | ugm.Constructor | ugm.Property | None


@dataclass(frozen=True)
class Member:
    """A declaration (`node` None) or one member of a service or class."""

    module: ugm.Module
    decl: ugm.Decl
    node: Node

    @property
    def id(self) -> str:
        base = f"{self.module.name}.{self.decl.name}"
        if self.node is None:
            return base
        if isinstance(self.node, ugm.Constructor):
            return f"{base}.constructor"
        return f"{base}.{self.node.name}"

    @property
    def anchor(self) -> str:
        return "m-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.id)

    @property
    def label(self) -> str:
        if self.node is None:
            return self.decl.name
        if isinstance(self.node, ugm.Constructor):
            return f"{self.decl.name}()"
        if isinstance(self.node, ugm.Property):
            return f"{self.decl.name}.{self.node.name}"
        return f"{self.decl.name}.{self.node.name}()"

    @property
    def deprecated(self) -> str | None:
        return ugm.deprecation(self.node if self.node is not None else self.decl)

    @property
    def callable(self) -> bool:
        return self.node is not None


# --------------------------------------------------------------------------------------------
# Example argument values
# --------------------------------------------------------------------------------------------

_PY_PRIMS = {
    "bool": "True",
    "int": "1",
    "float": "1.5",
    "str": '"text"',
    "bytes": 'b"data"',
    "none": "None",
    "date": "datetime.date(2024, 1, 31)",
    "datetime": "datetime.datetime(2024, 1, 31, 12, 0)",
    "time": "datetime.time(12, 0)",
    "decimal": 'Decimal("9.99")',
    "uuid": 'uuid.UUID("12345678-1234-5678-1234-567812345678")',
}
_TS_PRIMS = {
    "bool": "true",
    "int": "1",
    "float": "1.5",
    "str": '"text"',
    "bytes": "new Uint8Array([1, 2, 3])",
    "none": "null",
    "date": '"2024-01-31"',
    "datetime": '"2024-01-31T12:00:00Z"',
    "time": '"12:00:00"',
    "decimal": '"9.99"',
    "uuid": '"12345678-1234-5678-1234-567812345678"',
}


def _example(m: ugm.Module, t: ugm.TypeRef, lang: str, depth: int = 0, name: str = "") -> str:
    """A literal of type `t`; strings show the parameter or field name (`get_product("sku")`).
    Nesting is cut off with empty lists and nulls, so recursive records stay finite."""
    py = lang == "python"
    if isinstance(t, ugm.Primitive):
        if t.name == "str" and name:
            return json.dumps(name)
        return (_PY_PRIMS if py else _TS_PRIMS)[t.name]
    if isinstance(t, ugm.Optional):
        if depth >= 2:
            return "None" if py else "null"
        return _example(m, t.inner, lang, depth, name)
    if isinstance(t, ugm.ListOf):
        return "[]" if depth >= 3 else f"[{_example(m, t.item, lang, depth + 1)}]"
    if isinstance(t, ugm.MapOf):
        if not py and t.key != ugm.Primitive("str"):
            return f"new Map([[1, {_example(m, t.value, lang, depth + 1)}]])"
        key = '"key"' if t.key == ugm.Primitive("str") else "1"
        return f"{{{key}: {_example(m, t.value, lang, depth + 1)}}}"
    d = m.find(t.name)
    if isinstance(d, ugm.Enum) and d.members:
        return f"{d.name}.{d.members[0].name}"
    if isinstance(d, ugm.Record):
        if py:  # the generated dataclasses default what the IDL defaults
            req = [f for f in d.fields if f.default is None]
            args = ", ".join(
                f"{f.name}={_example(m, f.type, lang, depth + 1, f.name)}" for f in req
            )
            return f"{d.name}({args})"
        # TypeScript interfaces list every field, defaulted or not
        body = ", ".join(
            f"{_camel(f.name)}: "
            + (
                _ts_literal(f.default)
                if f.default is not None
                else _example(m, f.type, lang, depth + 1, f.name)
            )
            for f in d.fields
        )
        return f"{{ {body} }}" if body else "{}"
    if isinstance(d, ugm.Class):
        return _camel(_var(d.name)) if not py else _var(d.name)
    return "None" if py else "null"


def _ts_literal(v: ugm.Value) -> str:
    if isinstance(v, ugm.NoneLit):
        return "null"
    if isinstance(v, ugm.BoolLit):
        return "true" if v.value else "false"
    if isinstance(v, ugm.IntLit | ugm.FloatLit):
        return repr(v.value)
    if isinstance(v, ugm.StrLit):
        return json.dumps(v.value)
    if isinstance(v, ugm.BytesLit):
        return f"new Uint8Array({list(v.value)})"
    if isinstance(v, ugm.ListLit):
        return "[" + ", ".join(_ts_literal(x) for x in v.items) + "]"
    if isinstance(v, ugm.MapLit):
        if all(isinstance(k, ugm.StrLit) for k, _ in v.items):
            return "{" + ", ".join(f"{_ts_literal(k)}: {_ts_literal(x)}" for k, x in v.items) + "}"
        return (
            "new Map(["
            + ", ".join(f"[{_ts_literal(k)}, {_ts_literal(x)}]" for k, x in v.items)
            + "])"
        )
    return f"{v.enum}.{v.member}"


def _var(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    stripped = name.lstrip("_")
    parts = [p for p in stripped.split("_") if p]
    if not parts:
        return name
    head, *rest = parts
    return (
        name[: len(name) - len(stripped)]
        + head[:1].lower()
        + head[1:]
        + "".join(p[:1].upper() + p[1:] for p in rest)
    )


def _pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.findall(r"[A-Za-z0-9]+", name))


def _py_args(m: ugm.Module, params: tuple[ugm.Param, ...]) -> str:
    out = []
    for p in params:
        if p.default is not None:
            continue  # snippets show what a caller must pass
        value = _example(m, p.type, "python", name=p.name)
        out.append(value if p.kind != "keyword" else f"{p.name}={value}")
    return ", ".join(out)


def _ts_args(m: ugm.Module, params: tuple[ugm.Param, ...]) -> str:
    pos = [
        _example(m, p.type, "ts", name=p.name)
        for p in params
        if p.default is None and p.kind != "keyword"
    ]
    kw = [
        f"{_camel(p.name)}: {_example(m, p.type, 'ts', name=p.name)}"
        for p in params
        if p.default is None and p.kind == "keyword"
    ]
    if kw:
        pos.append("{ " + ", ".join(kw) + " }")
    return ", ".join(pos)


def _py_imports(m: ugm.Module, names: list[str], body: str) -> str:
    pkg = naming.python_import_package(m.name)
    extra = [
        d.name
        for d in m.decls
        if isinstance(d, ugm.Enum | ugm.Record) and re.search(rf"\b{d.name}[.(]", body)
    ]
    wanted = sorted(set(names + extra), key=lambda n: (n[:1].islower(), n))
    head = []
    if "datetime." in body:
        head.append("import datetime")
    if "uuid.UUID" in body:
        head.append("import uuid")
    if "Decimal(" in body:
        head.append("from decimal import Decimal")
    head.append(f"from {pkg} import {', '.join(wanted)}")
    return "\n".join(head)


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetSnippets:
    key: str
    label: str
    install: Callable[[str, str, str], str]
    configs: Callable[[ugm.Module, object], list[tuple[str, str]]]
    usage: Callable[[Member, str | None], str]


def _py_configs(m: ugm.Module, endpoints: object) -> list[tuple[str, str]]:
    pkg = naming.python_import_package(m.name)
    env = "GRAFT_" + re.sub(r"[^A-Z0-9]", "_", m.name.upper()) + "_URL"
    tcp = getattr(endpoints, "tcp", None)
    ws = getattr(endpoints, "ws", None)
    url = tcp or ws or "tcp://127.0.0.1:7470"
    out = [
        (
            "The package calls this gateway by default. Point it elsewhere in code:",
            f"import {pkg}\n\n{pkg}.configure(url={json.dumps(url)})",
        ),
        ("or with an environment variable:", f"export {env}={url}"),
        ("or in graftcode.toml:", f'[modules.{m.name}]\nurl = "{url}"'),
    ]
    if ws and tcp:
        out.append(("Over WebSocket instead of TCP:", f"{pkg}.configure(url={json.dumps(ws)})"))
    out.append(
        (
            "In memory (the module runs inside your process; it must be importable):",
            f'{pkg}.configure(url="inmemory:{m.name}")',
        )
    )
    return out


def _py_usage(member: Member, version: str | None) -> str:
    m, d, node = member.module, member.decl, member.node
    if isinstance(d, ugm.Service) and isinstance(node, ugm.Method):
        call = f"{d.name}.{node.name}({_py_args(m, node.params)})"
        body = f"result = {call}" if node.returns != ugm.Primitive("none") else call
        if node.returns != ugm.Primitive("none"):
            body += "\nprint(result)"
        return _py_imports(m, [d.name], body) + "\n\n" + body
    if isinstance(d, ugm.Class):
        var = _var(d.name)
        ctor = (
            f"{var} = {d.name}({_py_args(m, d.constructor.params)})"
            if d.constructor is not None
            else f"{var}: {d.name} = ...  # returned by another call"
        )
        if isinstance(node, ugm.Constructor) or node is None:
            body = f"{ctor}\n...\n{var}.close()  # frees it in the gateway (or use `with`)"
        elif isinstance(node, ugm.Method) and node.static:
            body = f"result = {d.name}.{node.name}({_py_args(m, node.params)})\nprint(result)"
        elif isinstance(node, ugm.Method):
            body = f"{ctor}\nresult = {var}.{node.name}({_py_args(m, node.params)})\nprint(result)"
        else:
            assert isinstance(node, ugm.Property)
            body = f"{ctor}\nprint({var}.{node.name})"
            if not node.readonly:
                body += f"\n{var}.{node.name} = {_example(m, node.type, 'python', name=node.name)}"
        return _py_imports(m, [d.name], body) + "\n\n" + body
    if isinstance(d, ugm.Error):
        fields = ", ".join(f"e.{f.name}" for f in d.fields) or "e"
        body = f"try:\n    ...  # a call that raises {d.name}\nexcept {d.name} as e:\n    print({fields})"
        return _py_imports(m, [d.name], body) + "\n\n" + body
    if isinstance(d, ugm.Enum):
        body = "\n".join(f"{d.name}.{em.name}  # {em.value!r}" for em in d.members[:3])
        return _py_imports(m, [d.name], body) + "\n\n" + body
    body = f"value = {_example(m, ugm.Named(d.name), 'python')}\nprint(value)"
    return _py_imports(m, [d.name], body) + "\n\n" + body


def _ts_configs(m: ugm.Module, endpoints: object) -> list[tuple[str, str]]:
    pkg = naming.npm_package(m.name)
    env = "GRAFT_" + re.sub(r"[^A-Z0-9]", "_", m.name.upper()) + "_URL"
    tcp = getattr(endpoints, "tcp", None)
    ws = getattr(endpoints, "ws", None)
    url = ws or tcp or "ws://127.0.0.1:7471/"
    out = [
        (
            "The package calls this gateway by default. Point it elsewhere in code:",
            f'import {{ connect }} from "{pkg}";\n\nconst client = await connect({{ url: {json.dumps(url)} }});',
        ),
        ("or with an environment variable (Node):", f"export {env}={url}"),
    ]
    if tcp and ws:
        out.append(
            (
                "Over TCP (Node only):",
                f"const client = await connect({{ url: {json.dumps(tcp)} }});",
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


def _ts_usage(member: Member, version: str | None) -> str:
    return _ts_enum_imports(member.module, _ts_snippet(member))


def _ts_enum_imports(m: ugm.Module, text: str) -> str:
    """Add the enums an example uses as values to the snippet's import line."""
    first, _, rest = text.partition("\n")
    found = re.fullmatch(r'import (type )?\{ (.*) \} from (".*");', first)
    if found is None:
        return text
    names = [f"type {n}" if found.group(1) else n for n in found.group(2).split(", ")]
    for e in m.enums:
        if re.search(rf"\b{re.escape(e.name)}\.", rest) and e.name not in names:
            names.insert(0, e.name)
    if all(n.startswith("type ") for n in names):
        return text
    return f"import {{ {', '.join(names)} }} from {found.group(3)};\n{rest}"


def _ts_snippet(member: Member) -> str:
    m, d, node = member.module, member.decl, member.node
    pkg = naming.npm_package(m.name)
    head = f'import {{ connect }} from "{pkg}";\n\nconst client = await connect();\n'
    tail = "\nawait client.close();"
    if isinstance(d, ugm.Service) and isinstance(node, ugm.Method):
        call = f"await client.{_camel(d.name)}.{_camel(node.name)}({_ts_args(m, node.params)})"
        return head + f"const result = {call};\nconsole.log(result);" + tail
    if isinstance(d, ugm.Class):
        var = _camel(_var(d.name))
        if d.constructor is None:
            head = head.replace("{ connect }", f"{{ connect, type {d.name} }}", 1)
        ctor = (
            f"const {var} = await client.{d.name}.create({_ts_args(m, d.constructor.params)});\n"
            if d.constructor is not None
            else f"declare const {var}: {d.name}; // returned by another call\n"
        )
        if isinstance(node, ugm.Method) and node.static:
            return head + (
                f"const result = await client.{d.name}.{_camel(node.name)}"
                f"({_ts_args(m, node.params)});\nconsole.log(result);" + tail
            )
        if isinstance(node, ugm.Method):
            return (
                head
                + ctor
                + (
                    f"const result = await {var}.{_camel(node.name)}({_ts_args(m, node.params)});\n"
                    f"console.log(result);\nawait {var}.close();" + tail
                )
            )
        if isinstance(node, ugm.Property):
            prop = _pascal(node.name)
            body = f"console.log(await {var}.get{prop}());\n"
            if not node.readonly:
                body += f"await {var}.set{prop}({_example(m, node.type, 'ts', name=node.name)});\n"
            return head + ctor + body + f"await {var}.close();" + tail
        return head + ctor + f"// ...\nawait {var}.close(); // frees it in the gateway" + tail
    if isinstance(d, ugm.Error):
        return (
            f'import {{ {d.name} }} from "{pkg}";\n\ntry {{\n  // a call that throws {d.name}\n'
            f"}} catch (e) {{\n  if (e instanceof {d.name}) console.log(e"
            + (f".{_camel(d.fields[0].name)}" if d.fields else ".message")
            + ");\n  else throw e;\n}"
        )
    if isinstance(d, ugm.Enum):
        return f'import {{ {d.name} }} from "{pkg}";\n\nconsole.log({d.name}.{d.members[0].name if d.members else "X"});'
    return (
        f'import type {{ {d.name} }} from "{pkg}";\n\n'
        f"const value: {d.name} = {_example(m, ugm.Named(d.name), 'ts')};"
    )


PYTHON = TargetSnippets(
    key="python",
    label="Python",
    install=lambda base, module, version: commands.pip_install(base, module, version),
    configs=_py_configs,
    usage=_py_usage,
)
TYPESCRIPT = TargetSnippets(
    key="typescript",
    label="TypeScript",
    install=lambda base, module, version: commands.npm_install(base, module, version),
    configs=_ts_configs,
    usage=_ts_usage,
)
TARGETS: tuple[TargetSnippets, ...] = (PYTHON, TYPESCRIPT)
