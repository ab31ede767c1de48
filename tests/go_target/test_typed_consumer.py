"""The seed's promise for Go: a program using the generated module compiles, and once a member
it uses is removed from the IDL and the module is rebuilt, the program no longer compiles."""

from __future__ import annotations

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


@pytest.mark.slow
def test_removing_a_member_breaks_the_consumers_build(tmp_path: Path) -> None:
    go = gohelp.go_bin()
    idl = tmp_path / "calculator.graft"
    text = gohelp.EXAMPLES["calculator"].read_text("utf-8")
    idl.write_text(text)
    module = gohelp.build(idl, tmp_path / "calculator-go")
    program = gohelp.consumer(tmp_path / "app", module, "graftcode.dev/g/calculator", PROGRAM)
    gohelp.run([go, "vet", "."], program)

    removed = text.replace("    fn subtract(a: int, b: int) -> int;\n", "")
    assert removed != text
    idl.write_text(removed)
    gohelp.build(idl, module)
    with pytest.raises(AssertionError, match=r"client.Subtract undefined"):
        gohelp.run([go, "build", "-o", str(tmp_path / "app.bin"), "."], program)


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
        (("bin: str | int | float", "bin: int | float"), r"undefined: inventory.PlaceBinStr"),
        (('"fast" | "safe"', '"safe"'), r"undefined: inventory.PlaceModeFast"),
    ],
    ids=["union-member", "literal"],
)
def test_removing_a_union_member_or_a_literal_breaks_the_build(
    change: tuple[str, str], error: str, tmp_path: Path
) -> None:
    go = gohelp.go_bin()
    idl = tmp_path / "inventory.graft"
    idl.write_text(UNION_IDL)
    module = gohelp.build(idl, tmp_path / "inventory-go")
    program = gohelp.consumer(tmp_path / "app", module, "graftcode.dev/g/inventory", UNION_PROGRAM)
    gohelp.run([go, "vet", "."], program)

    removed = UNION_IDL.replace(*change)
    assert removed != UNION_IDL
    idl.write_text(removed)
    gohelp.build(idl, module)
    with pytest.raises(AssertionError, match=error):
        gohelp.run([go, "build", "-o", str(tmp_path / "app.bin"), "."], program)
