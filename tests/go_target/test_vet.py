"""Every example's and fixture's Go output is gofmt-clean and passes `go vet` against the
runtime (which also compiles it)."""

from __future__ import annotations

from pathlib import Path

import gohelp
import pytest

# Besides the examples and the targets' fixtures: a version with build metadata (`+build.5`
# must stay out of Go comments, where vet reads it as a build tag) and a module with no
# service or class (nothing may import context unused).
SOURCES = {
    **gohelp.EXAMPLES,
    **gohelp.FIXTURES,
    "gofixture": gohelp.ROOT / "tests" / "go_target" / "fixtures" / "gofixture.py",
    "literals": gohelp.ROOT / "tests" / "idl" / "fmt" / "literals.out.graft",
    "no-services": gohelp.ROOT / "tests" / "check" / "corpus" / "ERROR_REMOVED" / "old.graft",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_output_passes_gofmt_and_vet(name: str, tmp_path: Path) -> None:
    go = gohelp.go_bin()
    out = gohelp.build(SOURCES[name], tmp_path / name)
    unformatted = gohelp.run([str(Path(go).parent / "gofmt"), "-l", "."], out)
    assert unformatted == "", f"gofmt -l lists: {unformatted}"
    gohelp.use_local_runtime(out)
    gohelp.run([go, "vet", "./..."], out)
