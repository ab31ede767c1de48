"""Vision's Go panel: the environment and `go get` command for a fresh module, where calls go,
and a snippet per member, spelled with the generated package's own names and values."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from graftcode_runtime import ugm

from graftc.targets.common.examples import example, required
from graftc.targets.common.serving import Endpoints
from graftc.targets.common.walk import Member
from graftc.targets.go import naming
from graftc.targets.go.lower import FIXED_NAMES
from graftc.targets.go.types import Conversions
from graftc.targets.go.values import GoValues, Wrap, enum_const, go_string, go_value


def environment(base_url: str) -> str:
    """The variables `go` needs to take graftcode modules from the gateway: its GOPROXY (plain
    HTTP is allowed), and no public checksum database for these paths (they are not public).
    Not GOPRIVATE: it would make `go` skip the proxy."""
    return f"GOPROXY={base_url}/go GONOSUMDB={naming.NOSUMDB} GOFLAGS=-mod=mod"


class GoSnippets:
    def install(self, base_url: str, module: str, version: str) -> str:
        path = naming.versioned_path(module, version)
        return (
            "# in a Go module (a new one: go mod init example.com/app)\n"
            f"export {environment(base_url)}\n"
            f"go get {path}@{version}"
        )

    def configs(self, module: ugm.Module, endpoints: Endpoints) -> list[tuple[str, str]]:
        pkg = naming.package_name(module.name)
        url = endpoints.tcp or endpoints.ws or "tcp://127.0.0.1:7470"
        prefix = naming.env_prefix(module.name)
        out = [
            (
                "The module calls this gateway by default. Point it elsewhere in code:",
                f"client := {pkg}.New({pkg}.WithURL({go_string(url)}), "
                f"{pkg}.WithTimeout(5*time.Second))\ndefer client.Close()",
            ),
            ("or with an environment variable:", f"export {prefix}URL={url}"),
            (
                "or in graftcode.toml (the working directory, or $GRAFT_CONFIG):",
                f'[modules.{module.name}]\nurl = "{url}"',
            ),
        ]
        if endpoints.tcp and endpoints.ws:
            out.append(("Over WebSocket:", f"export {prefix}URL={endpoints.ws}"))
        return out

    def usage(self, member: Member, version: str | None) -> str:
        return _Snippet(member.module, version).usage(member)


class _Snippet:
    def __init__(self, module: ugm.Module, version: str | None) -> None:
        self.module = module
        self.pkg = naming.package_name(module.name)
        go_version = naming.version(version or module.version, 0) if version else "v0.0.0"
        self.path = naming.versioned_path(module.name, go_version)
        kinds = {d.name: type(d).__name__.lower() for d in module.decls}
        names = naming.names_of(module, FIXED_NAMES)
        self.types = Conversions(kinds, lambda node, message: None, names)
        for e in module.enums:
            ints = all(isinstance(x.value, int) for x in e.members)
            self.types.enum_bases[e.name] = "int64" if ints else "string"
        self.values = _Values(self._qualified, module, self.types.wrap)
        self.type_names = [d.name for d in module.decls if not isinstance(d, ugm.Service)]

    def _qualified(self, t: ugm.TypeRef) -> str:
        """A Go type as the caller's code spells it (declarations qualified by the package)."""
        text = self.types.go(t)
        for name in self._names():
            text = _qualify(text, name, self.pkg)
        return text

    def _names(self) -> list[str]:
        """The package's type names: the declarations', then those made for unions, literal
        sets and tuples so far."""
        t = self.types
        made = [x.name for u in t.unions.values() for x in u.members]
        made += [c for s in t.literal_sets.values() for c, _ in s.consts]
        return [*self.type_names, *t.unions, *t.literal_sets, *t.tuples, *made]

    def usage(self, member: Member) -> str:
        body = self._body(member)
        declared = [
            f"var {naming.unexported(c)} *@{c} // returned by another call\n"
            for c in sorted(self.values.classes)
            if f"var {naming.unexported(c)} " not in body
            and f"{naming.unexported(c)}, err" not in body
        ]
        if declared:
            at = body.index("client := ") if "client := " in body else 0
            body = body[:at] + "".join(declared) + body[at:]
        for name in self.type_names:
            body = body.replace(f"@{name}", f"{self.pkg}.{name}")
        imports = ['"context"'] if "ctx" in body else []
        imports += [f'"{std}"' for std in ("errors", "fmt", "time") if f"{std}." in body]
        std = "".join(f"\t{i}\n" for i in imports)
        head = f'import (\n{std}{chr(10) if std else ""}\t{self.pkg} "{self.path}"\n)\n\n'
        return head + "func main() {\n" + _indent(body) + "}\n"

    def _value(self, t: ugm.TypeRef, name: str = "") -> str:
        if isinstance(t, ugm.StreamOf):  # any iter.Seq[T] (e.g. slices.Values) is a stream
            item = self._value(t.item, name)
            return f"func(yield func({self._qualified(t.item)}) bool) {{ yield({item}) }}"
        spelled = go_value(example(self.module, t, name), self.values, t)
        for name in self._names():
            spelled = _qualify(spelled, name, self.pkg)
        for e in self.module.enums:
            for x in e.members:
                const = enum_const(e.name, x.name)
                spelled = _qualify(spelled, const, self.pkg)
        return spelled.replace("Ptr[", f"{self.pkg}.Ptr[")

    def _args(self, params: tuple[ugm.Param, ...]) -> str:
        args = ["ctx"] + [self._value(p.type, p.name) for p in required(params)]
        if len(required(params)) < len(params):
            args.append("nil")  # the options: nil leaves every default to the gateway
        return ", ".join(args)

    def _body(self, member: Member) -> str:
        d, node = member.decl, member.node
        start = f"ctx := context.Background()\nclient := {self.pkg}.New()\ndefer client.Close()\n"
        if isinstance(d, ugm.Service) and isinstance(node, ugm.Method):
            call = f"client.{naming.client_member(node.name)}({self._args(node.params)})"
            return start + _result(call, node.returns)
        if isinstance(d, ugm.Class):
            return start + self._class(d, node)
        if isinstance(d, ugm.Error):
            var = naming.unexported(d.name)
            field = naming.exported(d.fields[0].name) if d.fields else "Error()"
            return (
                "var err error // returned by a call\n"
                f"var {var} *@{d.name}\n"
                f"if errors.As(err, &{var}) {{\n\tfmt.Println({var}.{field})\n}}\n"
            )
        if isinstance(d, ugm.Enum):
            first = enum_const(d.name, d.members[0].name) if d.members else d.name + "(0)"
            return f"fmt.Println({self.pkg}.{first})\n"
        return f"value := {self._value(ugm.Named(d.name))}\nfmt.Println(value)\n"

    def _class(self, d: ugm.Class, node: object) -> str:
        var = naming.unexported(d.name)
        if isinstance(node, ugm.Method) and node.static:
            call = f"client.{d.name}{naming.exported(node.name)}({self._args(node.params)})"
            return _result(call, node.returns)
        if d.constructor is not None:
            ctor = (
                f"{var}, err := client.New{d.name}({self._args(d.constructor.params)})\n"
                "if err != nil {\n\tpanic(err)\n}\n"
                f"defer {var}.Close(ctx) // frees it in the gateway\n"
            )
        else:
            ctor = f"var {var} *@{d.name} // returned by another call\n"
        if isinstance(node, ugm.Method):
            call = f"{var}.{naming.handle_member(node.name)}({self._args(node.params)})"
            return ctor + _result(call, node.returns)
        if isinstance(node, ugm.Property):
            getter = naming.handle_member(node.name)
            body = ctor + _result(f"{var}.{getter}(ctx)", node.type)
            if not node.readonly:
                value = self._value(node.type, node.name)
                body += (
                    f"if err := {var}.Set{getter}(ctx, {value}); err != nil {{\n\tpanic(err)\n}}\n"
                )
            return body
        return ctor


class _Values(GoValues):
    """Vision's example values, noting the classes whose instances they use (the snippet
    declares a variable for each)."""

    def __init__(
        self, type_of: Callable[[ugm.TypeRef], str], module: ugm.Module, wrap: Wrap
    ) -> None:
        super().__init__(type_of, module=module, variable=naming.unexported, wrap=wrap)
        self.classes: set[str] = set()

    def composite(self, decl: str, fields: Sequence[tuple[str, str]]) -> str:
        d = self.module.find(decl) if self.module is not None else None
        if isinstance(d, ugm.Class):
            self.classes.add(decl)
        return super().composite(decl, fields)


def _result(call: str, returns: ugm.TypeRef) -> str:
    if isinstance(returns, ugm.StreamOf):  # Close before the end cancels the call
        return (
            f"items := {call}\ndefer items.Close()\nfor items.Next() {{\n"
            "\tfmt.Println(items.Item())\n}\nif err := items.Err(); err != nil {\n\tpanic(err)\n}\n"
        )
    if isinstance(returns, ugm.Primitive) and returns.name == "none":
        return f"if err := {call}; err != nil {{\n\tpanic(err)\n}}\n"
    return f"result, err := {call}\nif err != nil {{\n\tpanic(err)\n}}\nfmt.Println(result)\n"


def _qualify(text: str, name: str, pkg: str) -> str:
    """`Product{...}` -> `shop.Product{...}`: the declaration's name as the caller spells it."""
    return re.sub(rf"(?<![\w.@]){re.escape(name)}\b(?!:)", f"{pkg}.{name}", text)


def _indent(body: str) -> str:
    return "".join(f"\t{line}\n" if line else "\n" for line in body.splitlines())


SNIPPETS = GoSnippets()
