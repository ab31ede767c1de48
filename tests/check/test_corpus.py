"""The IDL-pair corpus: every rule has a pair, and every pair keeps producing exactly its findings.

Regenerate after a deliberate change with `python tests/check/make_corpus.py --expected`.
"""

from __future__ import annotations

from typing import Any

import pytest
from graftc.check import RULES, compare

from .make_corpus import (
    ADDITIVE,
    CORPUS,
    DOCS,
    JSON_VERSIONS,
    PAIRS,
    check_pair,
    expected_lines,
    files,
    rules_section,
)

NAMES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def test_every_rule_has_a_pair_and_the_files_match_the_generator() -> None:
    assert set(RULES) == set(PAIRS)
    assert set(NAMES) == set(PAIRS) | set(ADDITIVE)
    for name in NAMES:
        for file, text in files(name).items():
            assert (CORPUS / name / file).read_text() == text, f"{name}/{file}"


@pytest.mark.parametrize("name", NAMES)
def test_pair_produces_exactly_the_expected_findings(name: str) -> None:
    report, _, _ = check_pair(name)
    got = expected_lines(report)
    assert got == (CORPUS / name / "expected.txt").read_text()
    fired = {f.rule.id for f in report.findings}  # type: ignore[attr-defined]
    if name in RULES:
        assert name in fired, f"the {name} pair does not trigger {name}"
    else:
        assert not report.breaking, f"{name} is additive but breaks: {fired}"  # type: ignore[attr-defined]
        assert report.exit_code == 0  # type: ignore[attr-defined]


def test_docs_rules_section_is_current() -> None:
    assert rules_section() in DOCS.read_text(), "run: python tests/check/make_corpus.py --docs"


def _modules(name: str) -> tuple[Any, Any]:
    from graftc.idl import parse

    old, new = PAIRS.get(name) or ADDITIVE[name]
    assert new is not None
    return parse(old, "old.graft"), parse(new, "new.graft")


@pytest.mark.parametrize(
    "name",
    [
        "DECL_ADDED",
        "DEFAULT_ADDED",
        "ENUM_VALUE_ADDED",
        "FIELD_ADDED",
        "MEMBER_ADDED",
        "PARAM_ADDED",
        "PARAM_KIND_RELAXED",
        "TYPE_WIDENED",
        "additive_everything",
    ],
)
def test_undoing_an_additive_change_breaks(name: str) -> None:
    old, new = _modules(name)
    assert not compare(old, new).breaking
    assert compare(new, old, ignore={"VERSION_BUMP_TOO_SMALL"}).breaking


@pytest.mark.parametrize(
    "name",
    sorted(n for n, (_, new) in {**PAIRS, **ADDITIVE}.items() if new and n not in JSON_VERSIONS),
)
def test_a_module_compared_with_itself_or_its_printed_form_has_no_findings(name: str) -> None:
    from graftc.idl import parse, print_module

    for m in _modules(name):
        again = parse(print_module(m), "printed.graft")
        assert compare(m, m).findings == ()
        assert compare(m, again).findings == ()
