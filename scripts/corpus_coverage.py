"""Export coverage of a corpus of real, typed PyPI libraries, written into docs/type-mapping.md.

    .venv/bin/python scripts/corpus_coverage.py          # rewrite the marked section
    .venv/bin/python scripts/corpus_coverage.py --check  # exit 1 if the docs are out of date

Each library is pinned in pyproject.toml (the dev extra's corpus block) and exported with
`graftc export MODULE --report`'s own code; the figures change whenever the exporter learns a
type, so rerun this after such a change (tests/export/test_corpus.py fails until you do).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "type-mapping.md"
BEGIN = "<!-- corpus-coverage:begin (scripts/corpus_coverage.py writes this; do not edit) -->"
END = "<!-- corpus-coverage:end -->"


@dataclass(frozen=True)
class Library:
    distribution: str  # as pinned in pyproject.toml
    version: str
    modules: tuple[str, ...]  # what `graftc export` is run on


CORPUS = (
    Library("humanize", "4.17.0", ("humanize",)),
    Library("python-slugify", "9.1.3", ("slugify",)),
    Library("email-validator", "2.4.0", ("email_validator",)),
    Library(
        "packaging",
        "26.4",
        ("packaging.version", "packaging.specifiers", "packaging.requirements"),
    ),
    Library("semver", "3.2.0", ("semver",)),
    Library("platformdirs", "4.14.9", ("platformdirs",)),
    Library("wcwidth", "0.9.4", ("wcwidth",)),
    Library("inflection", "0.5.1", ("inflection",)),
    Library("idna", "3.21", ("idna",)),
)


# The members of the four libraries issue 13 names that `graftc export` (without
# --skip-unsupported) still refuses, each with why it cannot cross a process boundary;
# tests/export/test_corpus.py fails when any other member of theirs is refused.
_FILTER = (
    "a lazy iterator over the caller's own objects of any type (`Iterable[Any]` in, "
    "`Iterator[Any]` out): nothing types the items, and the result is a stream"
)
REFUSED_FOR_GOOD: dict[str, dict[str, str]] = {
    "humanize": {
        "humanize.activate": "returns a `gettext.NullTranslations`, the live translation "
        "catalogue it installs in the gateway's process",
        "humanize.natural_list": "takes `Iterable[Any]`: items of any type, which no caller in "
        "another language could be typed from (the IDL gives every value a type)",
    },
    "slugify": {},
    "email_validator": {
        "ValidatedEmail.as_dict": "returns `dict[str, Any]`: values of any type",
        "ValidatedEmail.domain_address": "typed `object` (an `ipaddress` object or None): "
        "nothing a caller could be typed from",
        "email_validator.caching_resolver": "returns a `dns.resolver.Resolver`, a live object "
        "with its cache and sockets, built from untyped `*args, **kwargs`",
    },
    "packaging.version": {},
    "packaging.specifiers": {
        "BaseSpecifier.filter": _FILTER,
        "Specifier.filter": _FILTER,
        "SpecifierSet.filter": _FILTER,
        "VersionRange.filter": _FILTER,
    },
    "packaging.requirements": {
        "Specifier.filter": _FILTER,
        "SpecifierSet.filter": _FILTER,
        "VersionRange.filter": _FILTER,
    },
}


def reports() -> list[tuple[Library, object]]:
    """(library, graftc.coverage.Report) for each corpus module, in corpus order."""
    sys.path[:0] = [str(ROOT / "compiler"), str(ROOT / "runtime" / "python")]
    import contextlib
    import io

    from graftc.coverage import build_report
    from graftcode_runtime.introspect import export_module, load_module

    out: list[tuple[Library, object]] = []
    for lib in CORPUS:
        installed = importlib.metadata.version(lib.distribution)
        if installed != lib.version:
            raise SystemExit(
                f"{lib.distribution} {installed} is installed, the corpus pins {lib.version}: "
                "run `make install` (pyproject.toml's dev extra pins it)"
            )
        for name in lib.modules:
            with contextlib.redirect_stdout(io.StringIO()):  # what a module prints on import
                result = export_module(load_module(name), skip_unsupported=True)
            out.append((lib, build_report(result, "")))
    return out


def section() -> str:
    """The generated part of docs/type-mapping.md, between the markers."""
    from graftc.coverage import CANNOT_CROSS, Report

    rows = [
        "| Library | Module | Members | Exported | Refused | Coverage | Refused, by category |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    details: list[str] = []
    for lib, report in reports():
        assert isinstance(report, Report)
        cats = ", ".join(f"{c} {n}" for c, n in report.by_category().items()) or "none"
        rows.append(
            f"| {lib.distribution} {lib.version} | `{report.module}` | {len(report.rows)} | "
            f"{report.exported} | {report.refused} | {report.percent}% | {cats} |"
        )
        groups: dict[str, list[str]] = {}
        for r in report.rows:
            if not r.exported:
                groups.setdefault(r.category, []).append(f"`{r.name}`")
        if groups:
            parts = [
                f"{'**' + c + '**' if c in CANNOT_CROSS else c}: {', '.join(names)}"
                for c, names in sorted(groups.items())
            ]
            details.append(f"- `{report.module}`: " + "; ".join(parts) + ".")
    cannot = [
        f"- `{member}` ({module}): {why}."
        for module, members in REFUSED_FOR_GOOD.items()
        for member, why in members.items()
    ]
    heading = "What the four libraries of issue 13 still refuse, and why it cannot cross:"
    lines = [BEGIN, "", *rows, "", "Refused members:", "", *details, "", heading, "", *cannot]
    return "\n".join([*lines, "", END]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the docs are stale")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        print(f"{DOC}: the corpus-coverage markers are missing", file=sys.stderr)
        return 1
    updated = text[:start] + section() + text[end + len(END) + 1 :]
    if args.check:
        if updated != text:
            print(f"{DOC} is out of date: run scripts/corpus_coverage.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
