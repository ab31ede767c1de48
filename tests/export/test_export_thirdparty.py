"""`graftc export` on real, typed libraries from PyPI (test dependencies only).

What they export and what is refused, and why, is recorded in docs/type-mapping.md; these tests
keep that record honest. Assertions name stable parts of each library's API only.
"""

from __future__ import annotations

import pytest
from graftc.idl import format_source, parse, print_module
from graftcode_runtime import ugm
from graftcode_runtime.introspect import Export, ExportError, export_module, load_module


def exported(name: str) -> Export:
    result = export_module(load_module(name), skip_unsupported=True)
    text = print_module(result.module)
    assert parse(text) == result.module
    assert format_source(text) == text
    return result


def refusals(result: Export) -> dict[str, str]:
    return {w.member: w.message for w in result.warnings}


def test_humanize() -> None:
    with pytest.raises(ExportError):
        export_module(load_module("humanize"))
    result = exported("humanize")
    service = result.module.find("humanize")
    assert isinstance(service, ugm.Service)
    metric = next(m for m in service.methods if m.name == "metric")
    assert [(p.name, p.type) for p in metric.params] == [
        ("value", ugm.Primitive("float")),
        ("unit", ugm.Primitive("str")),
        ("precision", ugm.Primitive("int")),
    ]
    naturalsize = next(m for m in service.methods if m.name == "naturalsize")
    assert naturalsize.params[0].type == ugm.UnionOf((ugm.Primitive("float"), ugm.Primitive("str")))
    # `NumberOrString` is an alias defined only under `if TYPE_CHECKING:` (an assignment)
    ordinal = next(m for m in service.methods if m.name == "ordinal")
    assert ugm.type_text(ordinal.params[0].type) == "float | str"
    why = refusals(result)
    assert "humanize.naturalsize" not in why and "humanize.intcomma" not in why
    assert "`gettext.NullTranslations` is not a record" in why["humanize.activate"]
    # Names imported under `if TYPE_CHECKING:` resolve: `dt.timedelta` is read as `duration`.
    precisedelta = next(m for m in service.methods if m.name == "precisedelta")
    assert ugm.type_text(precisedelta.params[0].type) == "duration | float | none"
    assert not {"humanize.precisedelta", "humanize.naturaldelta", "humanize.naturaltime"} & set(why)


def test_packaging_version_tuples_and_literals() -> None:
    result = exported("packaging.version")
    version = result.module.find("Version")
    assert isinstance(version, ugm.Class)
    pre = next(p for p in version.properties if p.name == "pre")
    assert ugm.type_text(pre.type) == 'tuple<"a" | "b" | "rc", int>?'
    from_parts = next(m for m in version.methods if m.name == "from_parts")
    assert from_parts.static
    assert "Version.pre" not in refusals(result)


def test_semver_version_class() -> None:
    result = exported("semver.version")
    version = result.module.find("Version")
    assert isinstance(version, ugm.Class)
    methods = {m.name: m for m in version.methods}
    assert methods["bump_major"].returns == ugm.Named("Version")
    assert methods["is_compatible"].params[0].type == ugm.Named("Version")
    assert {p.name for p in version.properties} >= {"major", "minor", "patch", "prerelease"}
    # `prerelease: str | bytes | int | None` is a union; `to_tuple` a fixed-size tuple.
    assert version.constructor is not None
    prerelease = version.constructor.params[3]
    assert prerelease.type == ugm.Optional(
        ugm.UnionOf((ugm.Primitive("str"), ugm.Primitive("bytes"), ugm.Primitive("int")))
    )
    assert isinstance(methods["to_tuple"].returns, ugm.TupleOf)
    why = refusals(result)
    assert "**parts" in why["Version.replace"]


def test_semver_package_reexports() -> None:
    result = exported("semver")
    assert isinstance(result.module.find("Version"), ugm.Class)
    why = refusals(result)
    # The deprecated module-level helpers carry no annotations.
    assert "has no type annotation" in why["semver.bump_major"]
    assert "`argparse.Namespace` is not a record" in why["semver.cmd_bump"]
    assert "no constants" in why["SEMVER_SPEC_VERSION"]
