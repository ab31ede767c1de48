"""The seed's promise for Go: a program using the generated module compiles, and once a member
it uses is removed from the IDL and the module is rebuilt, the program no longer compiles."""

from __future__ import annotations

import sys
from pathlib import Path

import gohelp
import pytest

PROGRAM = """\
package main

import (
	"context"
	"fmt"

	calculator "graftcode.dev/g/calculator"
)

func main() {
	ctx := context.Background()
	client := calculator.New(calculator.WithURL("tcp://127.0.0.1:1"))
	defer client.Close()
	n, err := client.Subtract(ctx, 5, 3)
	fmt.Println(n, err)
	total, err := client.Total(ctx, []float64{1, 2}, &calculator.TotalOptions{Start: calculator.Ptr(1.5)})
	fmt.Println(total, err)
	acc, err := client.NewAccumulator(ctx, nil)
	if err == nil {
		_ = acc.SetLabel(ctx, "x")
		_ = acc.Close(ctx)
	}
}
"""


def _breaks(tmp_path: Path, text: str, name: str, program: str, change: tuple[str, str]) -> str:
    """Build module `name` from `text`, vet `program` against it, apply `change` to the IDL,
    rebuild, and give the program's build failure."""
    go = gohelp.go_bin()
    idl = tmp_path / f"{name}.graft"
    idl.write_text(text)
    module = gohelp.build(idl, tmp_path / f"{name}-go")
    app = gohelp.consumer(tmp_path / "app", module, f"graftcode.dev/g/{name}", program)
    gohelp.run([go, "vet", "."], app)

    removed = text.replace(*change)
    assert removed != text
    idl.write_text(removed)
    gohelp.build(idl, module)
    with pytest.raises(AssertionError) as failed:
        gohelp.run([go, "build", "-o", str(tmp_path / "app.bin"), "."], app)
    return str(failed.value)


@pytest.mark.slow
def test_removing_a_member_breaks_the_consumers_build(tmp_path: Path) -> None:
    text = gohelp.EXAMPLES["calculator"].read_text("utf-8")
    subtract = ("    fn subtract(a: int, b: int) -> int;\n", "")
    assert "client.Subtract undefined" in _breaks(tmp_path, text, "calculator", PROGRAM, subtract)


UNION_IDL = """\
module inventory version "1.0.0";

service inventory {
    fn place(sku: str, bin: str | int | float, mode: "fast" | "safe" = "safe", at: tuple<int, int>? = none) -> str | int;
}
"""

UNION_PROGRAM = """\
package main

import (
	"context"
	"fmt"

	inventory "graftcode.dev/g/inventory"
)

func main() {
	ctx := context.Background()
	client := inventory.New(inventory.WithURL("tcp://127.0.0.1:1"))
	defer client.Close()
	opts := &inventory.PlaceOptions{Mode: inventory.Ptr(inventory.PlaceModeFast), At: &inventory.PlaceAt{V0: 1, V1: 2}}
	got, err := client.Place(ctx, "B-1", inventory.PlaceBinStr("A1"), opts)
	switch x := got.(type) {
	case inventory.PlaceResultStr:
		fmt.Println("bin", string(x))
	case inventory.PlaceResultInt:
		fmt.Println("slot", int64(x))
	}
	fmt.Println(err)
}
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "error"),
    [
        (("bin: str | int | float", "bin: int | float"), "undefined: inventory.PlaceBinStr"),
        (('"fast" | "safe"', '"safe"'), "undefined: inventory.PlaceModeFast"),
    ],
    ids=["union-member", "literal"],
)
def test_removing_a_union_member_or_a_literal_breaks_the_build(
    change: tuple[str, str], error: str, tmp_path: Path
) -> None:
    assert error in _breaks(tmp_path, UNION_IDL, "inventory", UNION_PROGRAM, change)


STREAMS = gohelp.ROOT / "tests" / "typescript" / "fixtures" / "tsstream.py"
STREAM_PROGRAM = """\
package main

import (
	"context"
	"fmt"

	tsstream "graftcode.dev/g/tsstream"
)

func main() {
	ctx := context.Background()
	client := tsstream.New(tsstream.WithURL("tcp://127.0.0.1:1"))
	defer client.Close()
	var sum int64
	s := client.Count(ctx, 10, nil)
	defer s.Close()
	for s.Next() {
		sum += s.Item()
	}
	total, err := client.Total(ctx, func(yield func(int64) bool) { yield(sum) })
	fmt.Println(total, err, s.Err())
}
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("def count(", "def _count(", r"client.Count undefined"),
        (
            '-> Iterator[int]:\n    """0 .. n-1',
            '-> Iterator[str]:\n    """0 .. n-1',
            r"mismatched types",
        ),
        (
            "def total(numbers: Iterator[int])",
            "def total(numbers: Iterator[str])",
            r"cannot use func",
        ),
    ],
    ids=["removed", "item type", "client stream item type"],
)
def test_changing_a_streaming_member_breaks_the_consumers_build(
    tmp_path: Path, old: str, new: str, error: str
) -> None:
    go = gohelp.go_bin()
    source = tmp_path / "tsstream.py"
    text = STREAMS.read_text("utf-8")
    source.write_text(text)
    out = tmp_path / "tsstream-go"
    # in a fresh process each time: both versions are a Python module named tsstream
    build = [sys.executable, "-m", "graftc.cli", "build", "--from-module", str(source)]
    gohelp.run([*build, "--target", "go", "-o", str(out)], tmp_path, env=None)
    program = gohelp.consumer(tmp_path / "app", out, "graftcode.dev/g/tsstream", STREAM_PROGRAM)
    gohelp.run([go, "vet", "."], program)

    assert text.count(old) == 1
    source.write_text(text.replace(old, new))
    gohelp.run([*build, "--target", "go", "-o", str(out)], tmp_path, env=None)
    with pytest.raises(AssertionError, match=error):
        gohelp.run([go, "build", "-o", str(tmp_path / "app.bin"), "."], program)
