"""Writes tests/check/corpus/<RULE>/{old,new}.graft: one minimal pair per rule.

The pairs are data, kept here in one place so they are easy to review side by side; run
`python tests/check/make_corpus.py` after editing, then the same with `--expected` (the exact
findings each pair must keep producing) and `--docs` (the rules section of
docs/compatibility.md), and review the diffs.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


def mod(version: str, body: str, name: str = "shop") -> str:
    return f'module {name} version "{version}";\n\n{body.strip()}\n'


SHOP_V1 = """
record Item {
    sku: str;
    quantity: int = 1;
}

service shop {
    fn price_of(sku: str, quantity: int = 1) -> float;
    fn put(item: Item);
}
"""

PAIRS: dict[str, tuple[str, str | None]] = {
    # --- the module -----------------------------------------------------------------------
    # None: the new file does not exist (`graftc check shop.graft --against REF` after deleting it).
    "MODULE_REMOVED": (mod("1.0.0", "service shop {\n    fn ping();\n}"), None),
    "MODULE_RENAMED": (
        mod("1.0.0", "service shop {\n    fn ping();\n}"),
        mod("2.0.0", "service shop {\n    fn ping();\n}", name="store"),
    ),
    "VERSION_BUMP_TOO_SMALL": (
        mod("1.4.2", "service shop {\n    fn ping();\n    fn stop();\n}"),
        mod("1.5.0", "service shop {\n    fn ping();\n}"),
    ),
    # The IDL only accepts semver, but a UGM JSON file (from `graftc export --format json` or a
    # tool) may carry any version string: this pair is written as JSON (see JSON_VERSIONS).
    "VERSION_NOT_SEMVER": (
        mod("1.0.0", "service shop {\n    fn ping();\n}"),
        mod("1.0.0", "service shop {\n    fn ping();\n    fn pong();\n}"),
    ),
    # --- declarations ---------------------------------------------------------------------
    "RECORD_REMOVED": (
        mod("1.0.0", "record Item {\n    sku: str;\n}\n\nrecord Gift {\n    note: str;\n}"),
        mod("2.0.0", "record Item {\n    sku: str;\n}"),
    ),
    "ENUM_REMOVED": (
        mod("1.0.0", "enum Size {\n    S = 1;\n    L = 2;\n}\n\nrecord Item {\n    sku: str;\n}"),
        mod("2.0.0", "record Item {\n    sku: str;\n}"),
    ),
    "ERROR_REMOVED": (
        mod("1.0.0", "error NotFound {\n    sku: str;\n}\n\nerror Busy;"),
        mod("2.0.0", "error NotFound {\n    sku: str;\n}"),
    ),
    "SERVICE_REMOVED": (
        mod(
            "1.0.0",
            "service shop {\n    fn ping();\n}\n\nservice admin {\n    fn reset();\n}",
        ),
        mod("2.0.0", "service shop {\n    fn ping();\n}"),
    ),
    "CLASS_REMOVED": (
        mod(
            "1.0.0",
            "class Cart {\n    constructor(customer: str);\n}\n\nservice shop {\n    fn ping();\n}",
        ),
        mod("2.0.0", "service shop {\n    fn ping();\n}"),
    ),
    "DECL_KIND_CHANGED": (
        mod("1.0.0", "record Money {\n    cents: int;\n}"),
        mod("2.0.0", "error Money {\n    cents: int;\n}"),
    ),
    "DEPRECATED_REMOVED": (
        mod(
            "1.3.0",
            "service shop {\n    fn list_products() -> list<str>;\n\n"
            '    @deprecated("use list_products")\n    fn all_products() -> list<str>;\n}',
        ),
        mod("2.0.0", "service shop {\n    fn list_products() -> list<str>;\n}"),
    ),
    "ERROR_BASE_CHANGED": (
        mod(
            "1.0.0",
            "error ShopError;\n\nerror Fatal;\n\nerror NotFound extends ShopError {\n    sku: str;\n}",
        ),
        mod(
            "2.0.0",
            "error ShopError;\n\nerror Fatal;\n\nerror NotFound extends Fatal {\n    sku: str;\n}",
        ),
    ),
    "DECL_ADDED": (
        mod("1.0.0", "service shop {\n    fn ping();\n}"),
        mod(
            "1.1.0",
            "enum Size {\n    S = 1;\n    L = 2;\n}\n\nservice shop {\n    fn ping();\n}\n\n"
            "class Cart {\n    constructor(customer: str);\n}",
        ),
    ),
    "DEPRECATION_ADDED": (
        mod("1.0.0", "service shop {\n    fn all_products() -> list<str>;\n}"),
        mod(
            "1.1.0",
            'service shop {\n    @deprecated("use list_products")\n'
            "    fn all_products() -> list<str>;\n}",
        ),
    ),
    # --- record and error fields ----------------------------------------------------------
    "FIELD_REMOVED": (
        mod(
            "1.0.0",
            "record Item {\n    sku: str;\n    note: str;\n}\n\n"
            "service shop {\n    fn get(sku: str) -> Item;\n}",
        ),
        mod(
            "2.0.0",
            "record Item {\n    sku: str;\n}\n\nservice shop {\n    fn get(sku: str) -> Item;\n}",
        ),
    ),
    "FIELD_RENAMED": (
        mod("1.0.0", SHOP_V1),
        mod("2.0.0", SHOP_V1.replace("    quantity: int = 1;", "    count: int = 1;")),
    ),
    "FIELD_TYPE_CHANGED": (
        mod("1.0.0", SHOP_V1),
        mod("2.0.0", SHOP_V1.replace("    sku: str;\n    quantity", "    sku: int;\n    quantity")),
    ),
    "FIELD_ADDED_REQUIRED": (
        mod("1.0.0", SHOP_V1),
        mod(
            "2.0.0",
            SHOP_V1.replace("    quantity: int = 1;", "    quantity: int = 1;\n    note: str;"),
        ),
    ),
    "FIELD_MADE_REQUIRED": (
        mod("1.0.0", SHOP_V1),
        mod("2.0.0", SHOP_V1.replace("    quantity: int = 1;", "    quantity: int;")),
    ),
    "FIELD_DEFAULT_CHANGED": (
        mod("1.0.0", SHOP_V1),
        mod("1.1.0", SHOP_V1.replace("    quantity: int = 1;", "    quantity: int = 10;")),
    ),
    "FIELD_MOVED": (
        mod("1.0.0", SHOP_V1),
        mod(
            "1.1.0",
            SHOP_V1.replace(
                "    sku: str;\n    quantity: int = 1;", "    quantity: int = 1;\n    sku: str;"
            ),
        ),
    ),
    "FIELD_ADDED": (
        mod("1.0.0", SHOP_V1),
        mod(
            "1.1.0",
            SHOP_V1.replace(
                "    quantity: int = 1;", '    quantity: int = 1;\n    note: str = "";'
            ),
        ),
    ),
    # --- enums ------------------------------------------------------------------------------
    "ENUM_VALUE_REMOVED": (
        mod(
            "1.0.0",
            "enum Size {\n    S = 1;\n    M = 2;\n    L = 3;\n}\n\n"
            "service shop {\n    fn stock(size: Size) -> int;\n}",
        ),
        mod(
            "2.0.0",
            "enum Size {\n    S = 1;\n    L = 3;\n}\n\nservice shop {\n    fn stock(size: Size) -> int;\n}",
        ),
    ),
    "ENUM_VALUE_CHANGED": (
        mod(
            "1.0.0",
            "enum Size {\n    S = 1;\n    L = 2;\n}\n\nservice shop {\n    fn stock(size: Size) -> int;\n}",
        ),
        mod(
            "2.0.0",
            "enum Size {\n    S = 1;\n    L = 3;\n}\n\nservice shop {\n    fn stock(size: Size) -> int;\n}",
        ),
    ),
    "ENUM_VALUE_RENAMED": (
        mod(
            "1.0.0",
            "enum Size {\n    S = 1;\n    L = 2;\n}\n\nservice shop {\n    fn stock(size: Size) -> int;\n}",
        ),
        mod(
            "2.0.0",
            "enum Size {\n    S = 1;\n    LARGE = 2;\n}\n\n"
            "service shop {\n    fn stock(size: Size) -> int;\n}",
        ),
    ),
    "ENUM_VALUE_ADDED": (
        mod(
            "1.0.0",
            "enum Size {\n    S = 1;\n    L = 2;\n}\n\nservice shop {\n    fn stock(size: Size) -> int;\n"
            "    fn biggest() -> Size;\n}",
        ),
        mod(
            "1.1.0",
            "enum Size {\n    S = 1;\n    L = 2;\n    XL = 3;\n}\n\n"
            "service shop {\n    fn stock(size: Size) -> int;\n    fn biggest() -> Size;\n}",
        ),
    ),
    # --- methods, constructors, properties --------------------------------------------------
    "METHOD_REMOVED": (
        mod("1.0.0", "service shop {\n    fn ping();\n    fn stop();\n}"),
        mod("2.0.0", "service shop {\n    fn ping();\n}"),
    ),
    "METHOD_RETURN_TYPE_CHANGED": (
        mod("1.0.0", "service shop {\n    fn count() -> int;\n    fn find(sku: str) -> str;\n}"),
        mod("2.0.0", "service shop {\n    fn count() -> float;\n    fn find(sku: str) -> str?;\n}"),
    ),
    "METHOD_STREAMING_CHANGED": (
        mod(
            "1.0.0",
            "service logs {\n"
            "    fn tail(app: str) -> list<str>;\n"
            "    fn lines(app: str) -> stream<str>;\n"
            "    fn upload(name: str, chunks: stream<bytes>) -> int;\n"
            "    fn count(app: str) -> stream<int>;\n"
            "}",
            name="logs",
        ),
        mod(
            "2.0.0",
            "service logs {\n"
            "    fn tail(app: str) -> stream<str>;\n"
            "    fn lines(app: str) -> list<str>;\n"
            "    fn upload(name: str, chunks: list<bytes>) -> int;\n"
            "    fn count(app: str) -> stream<float>;\n"
            "}",
            name="logs",
        ),
    ),
    "METHOD_STATIC_CHANGED": (
        mod(
            "1.0.0",
            "class Cart {\n    constructor(customer: str);\n\n"
            "    static fn empty(customer: str) -> Cart;\n    fn size() -> int;\n}",
        ),
        mod(
            "2.0.0",
            "class Cart {\n    constructor(customer: str);\n\n"
            "    fn empty(customer: str) -> Cart;\n    static fn size() -> int;\n}",
        ),
    ),
    "METHOD_ERROR_REMOVED": (
        mod(
            "1.0.0",
            "error NotFound {\n    sku: str;\n}\n\nservice shop {\n"
            "    fn price_of(sku: str) -> float raises NotFound;\n}",
        ),
        mod(
            "1.1.0",
            "error NotFound {\n    sku: str;\n}\n\nservice shop {\n    fn price_of(sku: str) -> float;\n}",
        ),
    ),
    "METHOD_ERROR_ADDED": (
        mod(
            "1.0.0",
            "error NotFound {\n    sku: str;\n}\n\nservice shop {\n    fn price_of(sku: str) -> float;\n}",
        ),
        mod(
            "1.1.0",
            "error NotFound {\n    sku: str;\n}\n\nservice shop {\n"
            "    fn price_of(sku: str) -> float raises NotFound;\n}",
        ),
    ),
    "CONSTRUCTOR_REMOVED": (
        mod("1.0.0", "class Cart {\n    constructor(customer: str);\n\n    fn size() -> int;\n}"),
        mod("2.0.0", "class Cart {\n    fn size() -> int;\n}"),
    ),
    "PROPERTY_REMOVED": (
        mod(
            "1.0.0",
            "class Cart {\n    constructor(customer: str);\n\n    prop total: float;\n    prop size: int;\n}",
        ),
        mod("2.0.0", "class Cart {\n    constructor(customer: str);\n\n    prop total: float;\n}"),
    ),
    "PROPERTY_TYPE_CHANGED": (
        mod(
            "1.0.0",
            "class Cart {\n    constructor(customer: str);\n\n    prop total: float;\n"
            "    prop mut note: str;\n}",
        ),
        mod(
            "2.0.0",
            "class Cart {\n    constructor(customer: str);\n\n    prop total: int;\n"
            "    prop mut note: str?;\n}",
        ),
    ),
    "PROPERTY_SETTER_REMOVED": (
        mod("1.0.0", "class Cart {\n    constructor(customer: str);\n\n    prop mut note: str;\n}"),
        mod("2.0.0", "class Cart {\n    constructor(customer: str);\n\n    prop note: str;\n}"),
    ),
    "MEMBER_ADDED": (
        mod("1.0.0", "class Cart {\n    prop note: str;\n}"),
        mod(
            "1.1.0",
            "class Cart {\n    constructor(customer: str);\n\n    fn size() -> int;\n"
            "    static fn empty() -> Cart;\n\n    prop mut note: str;\n    prop total: float;\n}",
        ),
    ),
    # --- parameters -------------------------------------------------------------------------
    "PARAM_REMOVED": (
        mod("1.0.0", SHOP_V1),
        mod(
            "2.0.0",
            SHOP_V1.replace("fn price_of(sku: str, quantity: int = 1)", "fn price_of(sku: str)"),
        ),
    ),
    "PARAM_RENAMED": (
        mod("1.0.0", SHOP_V1),
        mod("2.0.0", SHOP_V1.replace("quantity: int = 1)", "count: int = 1)")),
    ),
    "PARAM_RENAMED_POSITIONAL_ONLY": (
        mod("1.0.0", "service shop {\n    fn checksum(data: bytes, /) -> int;\n}"),
        mod("1.0.1", "service shop {\n    fn checksum(payload: bytes, /) -> int;\n}"),
    ),
    "PARAM_ADDED_REQUIRED": (
        mod("1.0.0", SHOP_V1),
        mod("2.0.0", SHOP_V1.replace("quantity: int = 1)", "quantity: int = 1, *, currency: str)")),
    ),
    "PARAM_MOVED": (
        mod("1.0.0", "service shop {\n    fn transfer(source: str, target: str, amount: int);\n}"),
        mod("2.0.0", "service shop {\n    fn transfer(target: str, source: str, amount: int);\n}"),
    ),
    "PARAM_BECAME_KEYWORD_ONLY": (
        mod("1.0.0", SHOP_V1),
        mod(
            "2.0.0",
            SHOP_V1.replace("(sku: str, quantity: int = 1)", "(sku: str, *, quantity: int = 1)"),
        ),
    ),
    "PARAM_BECAME_POSITIONAL_ONLY": (
        mod("1.0.0", SHOP_V1),
        mod(
            "2.0.0",
            SHOP_V1.replace("(sku: str, quantity: int = 1)", "(sku: str, /, quantity: int = 1)"),
        ),
    ),
    "PARAM_TYPE_CHANGED": (
        mod("1.0.0", "service shop {\n    fn scale(factor: float, label: str);\n}"),
        mod("2.0.0", "service shop {\n    fn scale(factor: int, label: bytes);\n}"),
    ),
    "PARAM_MADE_REQUIRED": (
        mod("1.0.0", SHOP_V1),
        mod("2.0.0", SHOP_V1.replace("quantity: int = 1)", "quantity: int)")),
    ),
    "PARAM_DEFAULT_CHANGED": (
        mod("1.0.0", SHOP_V1),
        mod("1.1.0", SHOP_V1.replace("quantity: int = 1)", "quantity: int = 2)")),
    ),
    "PARAM_ADDED": (
        mod("1.0.0", SHOP_V1),
        mod(
            "1.1.0",
            SHOP_V1.replace("quantity: int = 1)", 'quantity: int = 1, currency: str = "EUR")'),
        ),
    ),
    "PARAM_KIND_RELAXED": (
        mod(
            "1.0.0", "service shop {\n    fn checksum(data: bytes, /, *, seed: int = 0) -> int;\n}"
        ),
        mod("1.1.0", "service shop {\n    fn checksum(data: bytes, seed: int = 0) -> int;\n}"),
    ),
    "DEFAULT_ADDED": (
        mod("1.0.0", "service shop {\n    fn search(text: str, limit: int) -> list<str>;\n}"),
        mod("1.1.0", "service shop {\n    fn search(text: str, limit: int = 50) -> list<str>;\n}"),
    ),
    "TYPE_WIDENED": (
        mod(
            "1.0.0",
            "service shop {\n    fn scale(factor: int, label: str) -> float?;\n}",
        ),
        mod(
            "1.1.0",
            "service shop {\n    fn scale(factor: float, label: str?) -> float;\n}",
        ),
    ),
}

# Pairs that only add things: the tests assert they produce no breaking finding.
ADDITIVE: dict[str, tuple[str, str]] = {
    "additive_everything": (
        mod(
            "1.0.0",
            """
enum Size {
    S = 1;
    L = 2;
}

record Item {
    sku: str;
    size: Size = Size.S;
}

service shop {
    fn price_of(sku: str, quantity: int = 1) -> float;
    fn put(item: Item);
}

class Cart {
    constructor(customer: str);

    fn add(sku: str) -> int;

    prop total: float;
}
""",
        ),
        mod(
            "1.1.0",
            """
enum Size {
    S = 1;
    L = 2;
    XL = 3;
}

/// New in 1.1.
record Gift {
    note: str;
}

record Item {
    sku: str;
    size: Size = Size.S;
    gift: Gift? = none;
}

error SoldOut;

service shop {
    fn price_of(sku: str, quantity: int = 1, *, currency: str = "EUR") -> float;
    fn put(item: Item);
    fn ping();
}

class Cart {
    constructor(customer: str, *, currency: str = "EUR");

    fn add(sku: str, quantity: int = 1) -> int;
    static fn empty(customer: str) -> Cart;

    prop total: float;
    prop mut note: str;
}
""",
        ),
    ),
    "additive_docs_only": (
        mod("1.0.0", SHOP_V1),
        mod(
            "1.0.0",
            "/// Items.\n"
            + SHOP_V1.strip().replace("service shop {", "/// The shop.\nservice shop {"),
        ),
    ),
}


# Pairs stored as UGM JSON with these (old, new) versions instead of as .graft text.
JSON_VERSIONS: dict[str, tuple[str, str]] = {"VERSION_NOT_SEMVER": ("2024.1", "2024.2")}


def files(name: str) -> dict[str, str]:
    """The pair's files as they are stored: {"old.graft": text, ...} or {"old.json": ...}."""
    old, new = {**PAIRS, **ADDITIVE}[name]
    if new is None:
        return {"old.graft": old}
    if name not in JSON_VERSIONS:
        return {"old.graft": old, "new.graft": new}
    import dataclasses

    from graftc.idl import parse
    from graftcode_runtime import ugm

    out = {}
    for label, text, version in zip(
        ("old", "new"), (old, new or ""), JSON_VERSIONS[name], strict=True
    ):
        module = dataclasses.replace(parse(text, f"{label}.json"), version=version)
        out[f"{label}.json"] = ugm.dumps(module) + "\n"
    return out


def write() -> None:
    for name in {**PAIRS, **ADDITIVE}:
        d = CORPUS / name
        d.mkdir(parents=True, exist_ok=True)
        for file, text in files(name).items():
            (d / file).write_text(text)


# ------------------------------------------------------------------------------------------
# Expected findings and the rules section of docs/compatibility.md, both derived from the pairs
# ------------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"
BEGIN = "<!-- rules:begin (generated by tests/check/make_corpus.py --docs; do not edit by hand) -->"
END = "<!-- rules:end -->"

# Where a rule's categories depend on how values flow, say so next to the example.
WHY: dict[str, str] = {
    "FIELD_REMOVED": "Source always. Wire too when callers receive the record and the field had "
    "no default: old clients require it. When callers only send the record, the gateway simply "
    "ignores the old field.",
    "FIELD_ADDED_REQUIRED": "Only for records callers send. A required field added to a record "
    "callers only receive is additive (`FIELD_ADDED`).",
    "FIELD_MADE_REQUIRED": "Only for records callers send.",
    "FIELD_MOVED": "The generated Python records are dataclasses that accept fields by position; "
    "the wire (keyed by name) is unaffected.",
    "ENUM_VALUE_REMOVED": "Wire only when callers send the enum; source always.",
    "ENUM_VALUE_ADDED": "A note when callers only send the enum. A **warning** (wire) when they "
    "may receive it, because a client generated from the old IDL cannot decode the new value.",
    "ERROR_REMOVED": "Source only: the gateway can no longer raise it, but `except` clauses that "
    "name it stop compiling. Methods that declared it also get `METHOD_ERROR_REMOVED`.",
    "DEPRECATED_REMOVED": "Used instead of the removal rule when the old version had deprecated "
    "the member or its container. Still a major bump.",
    "VERSION_BUMP_TOO_SMALL": "An **error** when a major bump is needed or the version went down; "
    "a warning otherwise.",
    "PARAM_MOVED": "Only parameters callers may pass by position; keyword-only parameters may be "
    "reordered freely.",
    "TYPE_WIDENED": "See the type table above; the same change to a return type would break.",
}


def _loc(span: object) -> str:
    if span is None:
        return "-"
    return f"{span.line}:{span.column}"  # type: ignore[attr-defined]


def expected_lines(report: object) -> str:
    """The exact findings of a pair, one per line, plus the semver verdict."""
    lines = []
    for f in report.findings:  # type: ignore[attr-defined]
        cats = "/".join(c.value for c in sorted(f.cats, key=lambda c: c.value != "wire")) or "-"
        lines.append(
            f"{f.severity} {f.rule.id} [{cats}] {f.path} old={_loc(f.old)} new={_loc(f.new)}: "
            f"{f.message}"
        )
    v = report.semver  # type: ignore[attr-defined]
    lines.append(f"semver: required={v.required} actual={v.actual} respected={v.respected}")
    return "\n".join(lines) + "\n"


def check_pair(name: str) -> tuple[object, str, str]:
    """(report, old text, new text) for a corpus directory, labelled old.graft and new.graft."""
    from graftc.check import compare, compare_removed
    from graftc.idl import parse
    from graftcode_runtime import ugm

    d = CORPUS / name
    if not (d / "new.graft").exists() and not (d / "new.json").exists():
        old_text = (d / "old.graft").read_text()
        report = compare_removed(
            parse(old_text, "old.graft"), old_file="old.graft", new_file="new.graft"
        )
        return report, old_text, ""
    ext = "json" if (d / "old.json").exists() else "graft"
    old_text = (d / f"old.{ext}").read_text()
    new_text = (d / f"new.{ext}").read_text()
    if ext == "json":
        old, new = ugm.loads(old_text), ugm.loads(new_text)
    else:
        old, new = parse(old_text, "old.graft"), parse(new_text, "new.graft")
    report = compare(old, new, old_file=f"old.{ext}", new_file=f"new.{ext}")
    return report, old_text, new_text


def rules_section() -> str:
    import difflib

    from graftc.check import RULES, format_report

    out = [BEGIN, "", "| rule | severity | categories | bump | purpose |", "|---|---|---|---|---|"]
    for rule in RULES.values():
        cats = ", ".join(c.value for c in sorted(rule.categories, key=lambda c: c.value != "wire"))
        out.append(
            f"| [`{rule.id}`](#{rule.id.lower()}) | {rule.severity} | {cats or '-'} | "
            f"{rule.bump} | {rule.purpose} |"
        )
    out.append("")
    for rule in RULES.values():
        report, old_text, new_text = check_pair(rule.id)
        cats = ", ".join(c.value for c in sorted(rule.categories, key=lambda c: c.value != "wire"))
        out.append(f"### `{rule.id}`")
        out.append("")
        bump = (
            "needs no bump of its own" if rule.bump == "none" else f"needs a **{rule.bump}** bump"
        )
        out.append(
            f"{rule.purpose} Severity **{rule.severity}**; categories: {cats or 'none'}; {bump}."
        )
        if rule.id in WHY:
            out += ["", WHY[rule.id]]
        if rule.id == "MODULE_REMOVED":
            out += ["", "(The new file was deleted; `--against` compares with the ref's version.)"]
        if rule.id in JSON_VERSIONS:
            # Show the IDL the JSON was made from, with the versions it carries.
            a, b = JSON_VERSIONS[rule.id]
            old_text, new_text = PAIRS[rule.id][0], PAIRS[rule.id][1] or ""
            old_text = old_text.replace('"1.0.0"', f'"{a}"')
            new_text = new_text.replace('"1.0.0"', f'"{b}"')
            out += ["", "(Stored as UGM JSON: the IDL itself only accepts semver versions.)"]
        diff = difflib.unified_diff(
            old_text.splitlines(), new_text.splitlines(), "old.graft", "new.graft", n=2, lineterm=""
        )
        out += ["", "```diff", *list(diff)[2:], "```", ""]
        text = format_report(report, "text").splitlines()
        shown = [ln for ln in text if not ln.startswith("        ") and "^" not in ln]
        out += ["```text", *shown, "```", ""]
    out.append(END)
    return "\n".join(out)


def write_docs() -> None:
    text = DOCS.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    DOCS.write_text(text[:start] + rules_section() + text[end:])


def write_expected() -> None:
    for d in sorted(CORPUS.iterdir()):
        report, _, _ = check_pair(d.name)
        (d / "expected.txt").write_text(expected_lines(report))


if __name__ == "__main__":
    import sys

    if "--expected" in sys.argv:
        write_expected()
    elif "--docs" in sys.argv:
        write_docs()
    else:
        write()
