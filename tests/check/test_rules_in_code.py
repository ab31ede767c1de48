"""The engine on modules built in code (no parser needed): flows, type table, filters, semver."""

from __future__ import annotations

import json

import pytest
from graftc.check import (
    RULES,
    SOURCE,
    WIRE,
    Assignability,
    Flow,
    UnknownRuleError,
    compare,
    flows,
    format_report,
    verdict,
)
from graftcode_runtime import ugm as u

P = u.Primitive


def svc(*methods: u.Method, version: str = "1.0.0", extra: tuple[u.Decl, ...] = ()) -> u.Module:
    return u.Module("shop", version, (*extra, u.Service("shop", methods)))


def ids(report: object) -> list[str]:
    return [f.rule.id for f in report.findings]  # type: ignore[attr-defined]


def test_identical_modules_need_no_bump() -> None:
    m = svc(u.Method("ping"))
    r = compare(m, m)
    assert r.findings == () and r.exit_code == 0
    assert r.semver.required == "none" and r.semver.respected is True


def test_flows_follow_params_returns_properties_and_nested_records() -> None:
    m = u.Module(
        "m",
        "1.0.0",
        (
            u.Record("In", (u.Field("inner", u.ListOf(u.Named("Deep"))),)),
            u.Record("Deep", (u.Field("x", P("int")),)),
            u.Record("Out", ()),
            u.Record("Loose", ()),
            u.Enum("Mode", (u.EnumMember("A", 1),)),
            u.Error("Oops", (u.Field("why", u.Named("Out")),)),
            u.Service("m", (u.Method("f", (u.Param("a", u.Named("In")),), u.Named("Out")),)),
            u.Class("C", None, (), (u.Property("mode", u.Named("Mode"), readonly=False),)),
        ),
    )
    f = flows(m)
    assert f["In"] == Flow.IN and f["Deep"] == Flow.IN
    assert f["Out"] == Flow.OUT
    assert f["Mode"] == Flow.IN | Flow.OUT  # a writable property is read and written
    assert f["Loose"] == Flow.IN | Flow.OUT  # unused: assume the worst
    assert f["Oops"] == Flow.OUT


@pytest.mark.parametrize(
    ("old", "new", "wire", "source"),
    [
        (P("int"), P("float"), True, True),
        (P("float"), P("int"), False, False),
        (P("str"), u.Optional(P("str")), True, True),
        (u.Optional(P("str")), P("str"), False, False),
        (P("date"), P("str"), True, False),
        (P("str"), P("date"), False, False),
        (P("bool"), P("int"), False, True),
        (P("str"), P("bytes"), False, False),
        (u.ListOf(P("int")), u.ListOf(P("float")), True, True),
        (u.MapOf(P("str"), P("int")), u.MapOf(P("int"), P("int")), False, False),
        (u.Named("Level"), P("int"), True, False),
        (P("int"), u.Named("Level"), False, False),
        (u.Named("A"), u.Named("B"), False, False),
    ],
)
def test_parameter_type_table(old: u.TypeRef, new: u.TypeRef, wire: bool, source: bool) -> None:
    level = u.Enum("Level", (u.EnumMember("LOW", 1), u.EnumMember("HIGH", 2)))
    m = u.Module("m", "1", (level,))
    assert Assignability(m, m).judge(old, new, Flow.IN) == (wire, source)


def test_return_types_are_judged_the_other_way() -> None:
    m = u.Module("m", "1")
    a = Assignability(m, m)
    assert a.judge(P("float"), P("int"), Flow.OUT) == (True, True)
    assert a.judge(P("int"), P("float"), Flow.OUT) == (False, False)
    assert a.judge(P("int"), P("float"), Flow.IN | Flow.OUT) == (False, False)
    assert a.judge(P("none"), P("int"), Flow.OUT) == (True, True)  # the old result was ignored
    assert a.judge(P("int"), P("none"), Flow.OUT) == (False, False)


def test_field_removed_is_source_only_when_callers_only_send_the_record() -> None:
    rec_old = u.Record("R", (u.Field("a", P("int")), u.Field("b", P("int"))))
    rec_new = u.Record("R", (u.Field("a", P("int")),))
    put = u.Method("put", (u.Param("r", u.Named("R")),))
    r = compare(svc(put, extra=(rec_old,)), svc(put, extra=(rec_new,), version="2.0.0"))
    (f,) = r.findings
    assert f.rule.id == "FIELD_REMOVED" and f.cats == {SOURCE}
    get = u.Method("get", (), u.Named("R"))
    r = compare(svc(get, extra=(rec_old,)), svc(get, extra=(rec_new,), version="2.0.0"))
    assert r.findings[0].cats == {WIRE, SOURCE}


def test_required_field_added_to_a_returned_record_is_additive() -> None:
    get = u.Method("get", (), u.Named("R"))
    old = svc(get, extra=(u.Record("R", (u.Field("a", P("int")),)),))
    new = svc(
        get,
        extra=(u.Record("R", (u.Field("a", P("int")), u.Field("b", P("int")))),),
        version="1.1.0",
    )
    r = compare(old, new)
    assert ids(r) == ["FIELD_ADDED"] and r.exit_code == 0
    assert r.semver.required == "minor" and r.semver.respected


def test_category_filter_and_ignore() -> None:
    level_old = u.Enum("L", (u.EnumMember("A", 1),))
    level_new = u.Enum("L", (u.EnumMember("B", 1),))  # renamed: source only
    f = u.Method("f", (u.Param("x", u.Named("L")),))
    old, new = svc(f, extra=(level_old,)), svc(f, extra=(level_new,), version="2.0.0")
    assert ids(compare(old, new)) == ["ENUM_VALUE_RENAMED"]
    assert ids(compare(old, new, categories={WIRE})) == []
    assert compare(old, new, categories={WIRE}).exit_code == 0
    assert ids(compare(old, new, ignore={"ENUM_VALUE_RENAMED"})) == []
    with pytest.raises(UnknownRuleError):
        compare(old, new, ignore={"NOPE"})


def test_removing_a_member_of_a_deprecated_service_counts_as_deprecated() -> None:
    old = u.Module(
        "m",
        "1.0.0",
        (
            u.Service(
                "m",
                (u.Method("a"), u.Method("b")),
                annotations=(u.Annotation("deprecated", (u.StrLit("going away"),)),),
            ),
        ),
    )
    new = u.Module("m", "2.0.0", (u.Service("m", (u.Method("a"),)),))
    r = compare(old, new)
    assert ids(r) == ["DEPRECATED_REMOVED"] and r.exit_code == 0
    assert r.semver.required == "major" and r.semver.respected


def test_deprecated_removal_without_major_bump_fails_on_the_version() -> None:
    dep = (u.Annotation("deprecated"),)
    old = svc(u.Method("a"), u.Method("b", annotations=dep))
    new = svc(u.Method("a"), version="1.1.0")
    r = compare(old, new)
    assert ids(r) == ["DEPRECATED_REMOVED", "VERSION_BUMP_TOO_SMALL"]
    assert r.findings[1].severity == "error" and r.exit_code == 1


@pytest.mark.parametrize(
    ("old", "new", "need", "actual", "ok"),
    [
        ("1.2.3", "2.0.0", "major", "major", True),
        ("1.2.3", "1.3.0", "major", "minor", False),
        ("1.2.3", "1.3.0", "minor", "minor", True),
        ("1.2.3", "1.2.4", "minor", "patch", False),
        ("1.2.3", "1.2.3", "none", "none", True),
        ("1.2.3", "1.2.2", "none", "downgrade", False),
        ("0.3.1", "0.4.0", "major", "major", True),  # below 1.0 the minor number is the major
        ("0.3.1", "0.3.2", "minor", "minor", True),
        ("0.3.1", "0.3.2", "major", "minor", False),
        ("2.0.0-rc.1", "2.0.0", "major", "none", True),  # pre-releases promise nothing
        ("2.0.0", "2.0.0-rc.1", "none", "downgrade", False),
    ],
)
def test_semver_verdicts(old: str, new: str, need: str, actual: str, ok: bool) -> None:
    v = verdict(old, new, need)  # type: ignore[arg-type]
    assert (v.actual, v.respected) == (actual, ok)


def test_suggested_versions() -> None:
    assert verdict("1.2.3", "1.2.3", "major").suggested == "2.0.0"
    assert verdict("0.2.3", "0.2.3", "major").suggested == "0.3.0"
    assert verdict("1.2.3", "1.2.3", "minor").suggested == "1.3.0"
    assert verdict("x", "y", "minor").respected is None


def test_json_and_github_formats() -> None:
    span_old = u.Span(3, 5, 3, 9, "old.graft")
    span_new = u.Span(4, 5, 4, 9, "new,x.graft")
    old = svc(u.Method("f", (u.Param("a", P("int"), span=span_old),)))
    new = svc(u.Method("f", (u.Param("a", P("str"), span=span_new),)), version="2.0.0")
    r = compare(old, new, old_file="old.graft", new_file="new,x.graft")
    data = json.loads(format_report(r, "json"))
    (f,) = data["findings"]
    assert f["rule"] == "PARAM_TYPE_CHANGED" and f["categories"] == ["wire", "source"]
    assert f["old"]["line"] == 3 and f["new"]["file"] == "new,x.graft"
    assert data["semver"]["required"] == "major" and data["exit_code"] == 1
    gh = format_report(r, "github").splitlines()[0]
    assert gh.startswith("::error file=new%2Cx.graft,line=4,col=5,endLine=4,endColumn=9,")
    assert "title=PARAM_TYPE_CHANGED::" in gh and "(old: old.graft:3:5)" in gh
    text = format_report(r, "text", {"new,x.graft": "\n\n\n    fn f(a: str);\n"})
    assert text.splitlines()[:4] == [
        'new,x.graft:4:5: error[PARAM_TYPE_CHANGED] (wire/source): parameter "a" of shop.f '
        "changed type from int to str",
        "        fn f(a: str);",
        "        ^~~~",
        "    old: old.graft:3:5",
    ]


def test_every_rule_is_reachable_from_the_corpus() -> None:
    from pathlib import Path

    corpus = {p.name for p in (Path(__file__).parent / "corpus").iterdir() if p.is_dir()}
    assert set(RULES) <= corpus
