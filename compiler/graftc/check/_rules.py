"""The rule catalogue. Ids are stable: tools and `--ignore` name them, so never rename one.

Every rule is documented with an example in docs/compatibility.md and has an old/new pair in
tests/check/corpus/<RULE_ID>/.
"""

from __future__ import annotations

from graftc.check._model import BOTH, NONE, SOURCE, WIRE, Bump, Category, Rule, Severity

RULESET_VERSION = "1"  # bumped when rules change meaning, so CI results never shift silently

_ALL: list[Rule] = []


def _rule(
    id: str, purpose: str, categories: frozenset[Category], severity: Severity, bump: Bump
) -> Rule:
    r = Rule(id, purpose, categories, severity, bump)
    _ALL.append(r)
    return r


W = frozenset({WIRE})
S = frozenset({SOURCE})

# --- the module ---------------------------------------------------------------------------
MODULE_RENAMED = _rule("MODULE_RENAMED", "The module keeps its name.", BOTH, "error", "major")
MODULE_REMOVED = _rule(
    "MODULE_REMOVED",
    "A module's IDL file is not deleted (checked with --against).",
    BOTH,
    "error",
    "major",
)
VERSION_BUMP_TOO_SMALL = _rule(
    "VERSION_BUMP_TOO_SMALL",
    "The new version number is at least the smallest semver bump the change needs.",
    NONE,
    "warning",
    "none",
)
VERSION_NOT_SEMVER = _rule(
    "VERSION_NOT_SEMVER",
    "Module versions are MAJOR.MINOR.PATCH, so the needed bump can be checked.",
    NONE,
    "note",
    "none",
)

# --- declarations -------------------------------------------------------------------------
RECORD_REMOVED = _rule("RECORD_REMOVED", "Records are not removed.", S, "error", "major")
ENUM_REMOVED = _rule("ENUM_REMOVED", "Enums are not removed.", S, "error", "major")
ERROR_REMOVED = _rule("ERROR_REMOVED", "Error types are not removed.", S, "error", "major")
SERVICE_REMOVED = _rule("SERVICE_REMOVED", "Services are not removed.", BOTH, "error", "major")
CLASS_REMOVED = _rule("CLASS_REMOVED", "Classes are not removed.", BOTH, "error", "major")
DECL_KIND_CHANGED = _rule(
    "DECL_KIND_CHANGED",
    "A declaration keeps its kind (record, enum, error, service, class).",
    BOTH,
    "error",
    "major",
)
DEPRECATED_REMOVED = _rule(
    "DEPRECATED_REMOVED",
    "A member is removed only after a version that deprecated it (allowed, still a major bump).",
    BOTH,
    "warning",
    "major",
)
ERROR_BASE_CHANGED = _rule(
    "ERROR_BASE_CHANGED",
    "An error type keeps its base error, so `except Base` keeps catching it.",
    S,
    "error",
    "major",
)
DECL_ADDED = _rule("DECL_ADDED", "A declaration was added (additive).", NONE, "note", "minor")
DEPRECATION_ADDED = _rule(
    "DEPRECATION_ADDED",
    "Something was marked @deprecated (it may be removed in a later major version).",
    NONE,
    "note",
    "minor",
)

# --- record and error fields --------------------------------------------------------------
FIELD_REMOVED = _rule("FIELD_REMOVED", "Fields are not removed.", BOTH, "error", "major")
FIELD_RENAMED = _rule(
    "FIELD_RENAMED",
    "Fields are not renamed (records travel keyed by name).",
    BOTH,
    "error",
    "major",
)
FIELD_TYPE_CHANGED = _rule(
    "FIELD_TYPE_CHANGED",
    "A field's type changes only in ways every old reader and writer accepts.",
    BOTH,
    "error",
    "major",
)
FIELD_ADDED_REQUIRED = _rule(
    "FIELD_ADDED_REQUIRED",
    "A field added to a record callers send has a default.",
    BOTH,
    "error",
    "major",
)
FIELD_MADE_REQUIRED = _rule(
    "FIELD_MADE_REQUIRED",
    "A field of a record callers send does not lose its default.",
    BOTH,
    "error",
    "major",
)
FIELD_DEFAULT_CHANGED = _rule(
    "FIELD_DEFAULT_CHANGED",
    "A field keeps its default (old callers that omit it would silently mean something else).",
    W,
    "warning",
    "minor",
)
FIELD_MOVED = _rule(
    "FIELD_MOVED",
    "Record fields keep their order (generated constructors accept fields by position).",
    S,
    "warning",
    "minor",
)
FIELD_ADDED = _rule("FIELD_ADDED", "A field was added (additive).", NONE, "note", "minor")

# --- enums --------------------------------------------------------------------------------
ENUM_VALUE_REMOVED = _rule(
    "ENUM_VALUE_REMOVED", "Enum members are not removed.", BOTH, "error", "major"
)
ENUM_VALUE_CHANGED = _rule(
    "ENUM_VALUE_CHANGED",
    "An enum member keeps its value (the value is what travels).",
    W,
    "error",
    "major",
)
ENUM_VALUE_RENAMED = _rule(
    "ENUM_VALUE_RENAMED",
    "An enum member keeps its name (the wire is unaffected, code is not).",
    S,
    "error",
    "major",
)
ENUM_VALUE_ADDED = _rule(
    "ENUM_VALUE_ADDED",
    "An enum member was added (additive; a warning when old callers may receive it).",
    NONE,
    "note",
    "minor",
)

# --- methods, constructors, properties ----------------------------------------------------
METHOD_REMOVED = _rule("METHOD_REMOVED", "Methods are not removed.", BOTH, "error", "major")
METHOD_RETURN_TYPE_CHANGED = _rule(
    "METHOD_RETURN_TYPE_CHANGED",
    "A method's return type changes only in ways old callers accept.",
    BOTH,
    "error",
    "major",
)
METHOD_STATIC_CHANGED = _rule(
    "METHOD_STATIC_CHANGED",
    "A method stays static or stays an instance method.",
    BOTH,
    "error",
    "major",
)
METHOD_ERROR_REMOVED = _rule(
    "METHOD_ERROR_REMOVED",
    "A method keeps the errors it declares (handlers for it become dead code).",
    S,
    "warning",
    "minor",
)
METHOD_ERROR_ADDED = _rule(
    "METHOD_ERROR_ADDED",
    "A method declares a new error (old callers see it as a RemoteError they may not handle).",
    NONE,
    "note",
    "minor",
)
CONSTRUCTOR_REMOVED = _rule(
    "CONSTRUCTOR_REMOVED", "A class keeps its constructor.", BOTH, "error", "major"
)
PROPERTY_REMOVED = _rule("PROPERTY_REMOVED", "Properties are not removed.", BOTH, "error", "major")
PROPERTY_TYPE_CHANGED = _rule(
    "PROPERTY_TYPE_CHANGED",
    "A property's type changes only in ways old readers (and writers) accept.",
    BOTH,
    "error",
    "major",
)
PROPERTY_SETTER_REMOVED = _rule(
    "PROPERTY_SETTER_REMOVED", "A writable (`mut`) property stays writable.", BOTH, "error", "major"
)
MEMBER_ADDED = _rule(
    "MEMBER_ADDED",
    "A method, constructor, property or setter was added (additive).",
    NONE,
    "note",
    "minor",
)

# --- parameters ---------------------------------------------------------------------------
PARAM_REMOVED = _rule("PARAM_REMOVED", "Parameters are not removed.", BOTH, "error", "major")
PARAM_RENAMED = _rule(
    "PARAM_RENAMED",
    "A parameter callers may pass by keyword keeps its name.",
    BOTH,
    "error",
    "major",
)
PARAM_RENAMED_POSITIONAL_ONLY = _rule(
    "PARAM_RENAMED_POSITIONAL_ONLY",
    "A positional-only parameter was renamed (harmless: its name never travels).",
    NONE,
    "note",
    "patch",
)
PARAM_ADDED_REQUIRED = _rule(
    "PARAM_ADDED_REQUIRED", "A parameter added to a method has a default.", BOTH, "error", "major"
)
PARAM_MOVED = _rule(
    "PARAM_MOVED",
    "A parameter callers may pass by position keeps its position.",
    BOTH,
    "error",
    "major",
)
PARAM_BECAME_KEYWORD_ONLY = _rule(
    "PARAM_BECAME_KEYWORD_ONLY",
    "A parameter callers could pass by position does not become keyword-only.",
    BOTH,
    "error",
    "major",
)
PARAM_BECAME_POSITIONAL_ONLY = _rule(
    "PARAM_BECAME_POSITIONAL_ONLY",
    "A parameter callers could pass by keyword does not become positional-only.",
    BOTH,
    "error",
    "major",
)
PARAM_TYPE_CHANGED = _rule(
    "PARAM_TYPE_CHANGED",
    "A parameter's type changes only to one that accepts every old argument.",
    BOTH,
    "error",
    "major",
)
PARAM_MADE_REQUIRED = _rule(
    "PARAM_MADE_REQUIRED", "A parameter does not lose its default.", BOTH, "error", "major"
)
PARAM_DEFAULT_CHANGED = _rule(
    "PARAM_DEFAULT_CHANGED",
    "A parameter keeps its default (old callers that omit it would silently mean something else).",
    W,
    "warning",
    "minor",
)
PARAM_ADDED = _rule(
    "PARAM_ADDED", "A parameter with a default was added (additive).", NONE, "note", "minor"
)
PARAM_KIND_RELAXED = _rule(
    "PARAM_KIND_RELAXED",
    "A parameter now accepts more ways of passing it (positional or keyword; additive).",
    NONE,
    "note",
    "minor",
)
DEFAULT_ADDED = _rule(
    "DEFAULT_ADDED",
    "A parameter or field gained a default, so callers may omit it (additive).",
    NONE,
    "note",
    "minor",
)
TYPE_WIDENED = _rule(
    "TYPE_WIDENED",
    "A type changed in a way every old caller accepts, e.g. int to float for a parameter.",
    NONE,
    "note",
    "minor",
)

RULES: dict[str, Rule] = {r.id: r for r in _ALL}
