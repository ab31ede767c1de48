"""The rule catalogue: every rule, bound to its check function, in the order they run on a pair.

Ids are stable: tools and `--ignore` name them, so never rename one. Every rule is documented
with an example in docs/compatibility.md and has an old/new pair in
tests/check/corpus/<RULE_ID>/. To add a rule, write it (the `rule` decorator on its check) in
the module of the level it looks at; nothing else lists it.
"""

from __future__ import annotations

from graftc.check._binding import catalogue
from graftc.check._rules import compatible, decls, enums, fields, members, module, params

RULESET_VERSION = "1"  # bumped when rules change meaning, so CI results never shift silently

# Rules that look at the same pair report in this order (the docs list them in it too).
RULES = catalogue(module, decls, fields, enums, members, params, compatible)
