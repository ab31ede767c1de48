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
