"""`graftc check`: finds breaking changes between two versions of a module's IDL.

    from graftc.check import compare, format_report
    report = compare(old_module, new_module, categories={WIRE}, ignore={"FIELD_MOVED"})
    print(format_report(report, "text"))

Rules live in `RULES` (id -> Rule); docs/compatibility.md explains each with an example.
"""

from graftc.check._compare import UnknownRuleError, compare, compare_added, compare_removed
from graftc.check._engine import find_changes
from graftc.check._format import FORMATS, format_report, format_rules, report_json
from graftc.check._git import GitError, read_at_ref
from graftc.check._match import Counterpart, counterparts
from graftc.check._model import (
    BOTH,
    SOURCE,
    WIRE,
    Bump,
    Category,
    Finding,
    Report,
    Rule,
    SemverVerdict,
    Severity,
)
from graftc.check._rules import RULES, RULESET_VERSION
from graftc.check._semver import parse_version, required_bump, verdict
from graftc.check._types import Assignability, Flow, flows, format_type

__all__ = [
    "BOTH",
    "FORMATS",
    "RULES",
    "RULESET_VERSION",
    "SOURCE",
    "WIRE",
    "Assignability",
    "Bump",
    "Category",
    "Counterpart",
    "Finding",
    "Flow",
    "GitError",
    "Report",
    "Rule",
    "SemverVerdict",
    "Severity",
    "UnknownRuleError",
    "compare",
    "compare_added",
    "compare_removed",
    "counterparts",
    "find_changes",
    "flows",
    "format_report",
    "format_rules",
    "format_type",
    "parse_version",
    "read_at_ref",
    "report_json",
    "required_bump",
    "verdict",
]
