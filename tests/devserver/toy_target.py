"""A toy target that exists only for the tests: one text file per module, served under `/toy`.

It proves that a target is its own code plus one registry entry: the tests add
`_REGISTRY["toy"]` pointing here and find it in `graftc build --target`, in Vision's tabs and at
its package route, with nothing in graftc.devserver knowing about it. It uses the shared
layer (`graftc.targets.common`) the way a real target does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from graftc.targets import Manifest, Target, TargetOptions
from graftc.targets.common import naming
from graftc.targets.common.files import write_files
from graftc.targets.common.serving import Artifact, Endpoints, PackageHost, Reply, not_found
from graftc.targets.common.values import Spelling, spell
from graftc.targets.common.walk import Member, members_of
from graftcode_runtime import ugm

MANIFEST = "toy.txt"


class ToyValues(Spelling):
    def floating(self, v: ugm.FloatLit, t: ugm.TypeRef | None) -> str:
        return f"{v.value}f"

    def string(self, v: ugm.StrLit, t: ugm.TypeRef | None) -> str:
        return f"'{v.value}'"

    def binary(self, v: ugm.BytesLit) -> str:
        return f"0x{v.value.hex()}"


def _filename(module: str, version: str) -> str:
    return f"{naming.package_name(module)}-{version}.toy"


class ToySnippets:
    def install(self, base_url: str, module: str, version: str) -> str:
        return f"toy-get {base_url}/toy/{_filename(module, version)}"

    def configs(self, module: ugm.Module, endpoints: Endpoints) -> list[tuple[str, str]]:
        return [("Point it elsewhere:", f"toy.url = {endpoints.preferred}")]

    def usage(self, member: Member, version: str | None) -> str:
        return f"toy call {member.id}"


class ToyIndex:
    prefix = "toy"
    links = (("Toy index", "/toy/"),)

    def served_version(self, version: str, build: int) -> str:
        return f"{version}-toy{build}"

    def call_url(self, endpoints: Endpoints) -> str | None:
        return endpoints.preferred

    def pack(self, project: Path, version: str) -> Artifact:
        text = (project / MANIFEST).read_text()
        module = text.split()[2]
        return Artifact(_filename(module, version), text.encode(), "text/plain")

    def handle(self, path: Sequence[str], host: PackageHost) -> Reply:
        for module in host.modules():
            if path == [_filename(module, host.version(module))]:
                return host.artifact(module).reply()
        return not_found("/".join(path))


class ToyTarget:
    name = "toy"
    label = "Toy"
    manifest = Manifest(MANIFEST, "toy module")
    snippets = ToySnippets()
    index = ToyIndex()

    def default_dir(self, module: str) -> str:
        return naming.package_name(module) + "-toy"

    def generate(self, module: ugm.Module, out_dir: Path, options: TargetOptions) -> list[Path]:
        lines = [f"toy module {module.name} {module.version} calls {options.default_url}"]
        for member in members_of(module):
            lines.append(member.label)
            if isinstance(member.node, ugm.Method):
                lines += [
                    f"  {p.name} = {spell(p.default, ToyValues(), p.type)}"
                    for p in member.node.params
                    if p.default is not None
                ]
        return write_files(out_dir, {MANIFEST: "\n".join(lines) + "\n"})


TARGET: Target = ToyTarget()
