"""Every valid .graft file under tests/ (IDL formatter cases, checker corpus, exporter goldens,
target fixtures) builds for Go, and all the packages pass `go vet` together: each generated
package goes into one module as a subdirectory, so one `go vet ./...` checks them all."""

from __future__ import annotations

from pathlib import Path

import gohelp
import pytest
from graftc.diagnostics import DiagnosticError
from graftc.idl import load
from graftc.targets import TargetOptions, get

SOURCES = sorted(
    p
    for p in (gohelp.ROOT / "tests").rglob("*.graft")
    if "bad" not in p.relative_to(gohelp.ROOT).parts
)


@pytest.mark.slow
def test_every_valid_idl_file_builds_and_vets(tmp_path: Path) -> None:
    go = gohelp.go_bin()
    target = get("go")
    root = tmp_path / "all"
    built = 0
    for i, source in enumerate(SOURCES):
        text = source.read_text("utf-8")
        try:
            module = load(source)
        except DiagnosticError:
            continue  # an invalid file (some corpora keep them on purpose)
        out = root / f"p{i}"
        target.generate(module, out, TargetOptions(source=text, source_file=str(source)))
        (out / "go.mod").unlink()  # a package of the one module below
        built += 1
    assert built >= 100, built
    (root / "go.mod").write_text(
        f"module example.com/all\n\ngo 1.22\n\nrequire graftcode.dev/runtime v0.1.0\n\n"
        f"replace graftcode.dev/runtime => {gohelp.RUNTIME}\n"
    )
    gofmt = str(Path(go).parent / "gofmt")
    assert gohelp.run([gofmt, "-l", "."], root) == ""
    gohelp.run([go, "vet", "./..."], root, timeout=600)
