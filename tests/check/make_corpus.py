"""Writes tests/check/corpus/<RULE>/{old,new}.graft: one minimal pair per rule.

The pairs are data, kept here in one place so they are easy to review side by side; run
`python tests/check/make_corpus.py` after editing, then `pytest tests/check --update-expected`
(see test_corpus.py) and review the diff of the expected files.
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

PAIRS: dict[str, tuple[str, str]] = {
    # --- the module -----------------------------------------------------------------------
    "MODULE_RENAMED": (
        mod("1.0.0", "service shop {\n    fn ping();\n}"),
        mod("2.0.0", "service shop {\n    fn ping();\n}", name="store"),
    ),
    "VERSION_BUMP_TOO_SMALL": (
        mod("1.4.2", "service shop {\n    fn ping();\n    fn stop();\n}"),
        mod("1.5.0", "service shop {\n    fn ping();\n}"),
    ),
    "VERSION_NOT_SEMVER": (
        mod("2024.1", "service shop {\n    fn ping();\n}"),
        mod("2024.2", "service shop {\n    fn ping();\n    fn pong();\n}"),
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
        mod("2.0.0", SHOP_V1.replace("quantity: int = 1)", "quantity: int = 1, currency: str)")),
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


def write() -> None:
    for name, (old, new) in {**PAIRS, **ADDITIVE}.items():
        d = CORPUS / name
        d.mkdir(parents=True, exist_ok=True)
        (d / "old.graft").write_text(old)
        (d / "new.graft").write_text(new)


if __name__ == "__main__":
    write()
