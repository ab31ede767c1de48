"""Unions, literal sets and tuples on the wire from generated Go: the arguments of the
tests/vectors union call are the vector's values, tag for tag; a union decodes by its tag and an
unknown tag (a member a newer gateway added) is a DATA_LOSS error; a literal outside its set
is refused before sending (and rejected when received), a tuple must have its length.

An in-package Go test (`go test`) calls the generated conversion functions directly."""

from __future__ import annotations

import json
from pathlib import Path

import gohelp
import pytest

VECTOR = gohelp.ROOT / "tests" / "vectors" / "call_union_values.json"
IDL = """\
module shop version "1.0.0";

service shop {
    fn pick(value: int | str | list<int>, unit: "kg" | "lb", pair: tuple<int, str>, maybe: int | str | none, opt: int?, *, value2: int | str) -> int;
}
"""

TEST = """\
package shop

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	graft "graftcode.dev/runtime"
)

func TestArgumentsAreTheVectorsValues(t *testing.T) {
	args := []any{
		toWirePickValue(PickValueListInt{1, 2}),
		toWirePickUnit(PickUnitKg),
		toWirePickPair(PickPair{V0: 1, V1: "a"}),
		toWireOptPickMaybe(nil),
		toWireOptInt(Ptr[int64](7)),
	}
	kwargs := map[string]any{"value2": toWirePickMaybe(PickMaybeStr("x"))}
	out, err := json.Marshal([]any{args, kwargs})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("args.json", out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeByTag(t *testing.T) {
	v, err := fromWirePickValue(nil, []any{"list<int>", []any{int64(1), int64(2)}})
	if x, ok := v.(PickValueListInt); err != nil || !ok || len(x) != 2 || x[1] != 2 {
		t.Fatalf("list<int>: %#v %v", v, err)
	}
	v, err = fromWirePickValue(nil, []any{"str", "s"})
	if x, ok := v.(PickValueStr); err != nil || !ok || x != "s" {
		t.Fatalf("str: %#v %v", v, err)
	}
	m, err := fromWireOptPickMaybe(nil, nil)
	if err != nil || m != nil {
		t.Fatalf("none: %#v %v", m, err)
	}
}

func dataLoss(t *testing.T, what string, err error, says string) {
	t.Helper()
	if graft.CodeOf(err) != graft.DataLoss || !strings.Contains(err.Error(), says) {
		t.Errorf("%s: got %v, want DATA_LOSS saying %q", what, err, says)
	}
}

func TestWhatTheGatewaySendsIsChecked(t *testing.T) {
	_, err := fromWirePickValue(nil, []any{"float", 1.5})
	dataLoss(t, "unknown tag", err, `the member "float" of PickValue`)
	_, err = fromWirePickValue(nil, int64(3))
	dataLoss(t, "untagged", err, "[tag, value]")
	_, err = fromWirePickValue(nil, []any{"int", "three"})
	dataLoss(t, "member's own type", err, "an int")
	_, err = fromWirePickUnit(nil, "g")
	dataLoss(t, "literal outside the set", err, `sent PickUnit("g"), which is not one of "kg" | "lb"`)
	_, err = fromWirePickPair(nil, []any{int64(1)})
	dataLoss(t, "short tuple", err, "a tuple of 2")
}

func TestValuesThatCannotBeSentAreRefused(t *testing.T) {
	for what, v := range map[string]any{
		"literal outside the set": toWirePickUnit("g"),
		"nil union":               toWirePickValue(nil),
	} {
		if got := fmt.Sprintf("%T", v); got != "graft.refusal" {
			t.Errorf("%s: %s, want a refusal", what, got)
		}
	}
}
"""


@pytest.mark.slow
def test_generated_conversions_match_the_union_vector(tmp_path: Path) -> None:
    go = gohelp.go_bin()
    idl = tmp_path / "shop.graft"
    idl.write_text(IDL)
    module = gohelp.build(idl, tmp_path / "shop")
    gohelp.use_local_runtime(module)
    (module / "shapes_test.go").write_text(TEST)
    gohelp.run([go, "test", "-count=1", "."], module)
    args, kwargs = json.loads((module / "args.json").read_text())
    wire = json.loads(VECTOR.read_text())["msgpack"]
    assert args == wire[6]
    assert kwargs == wire[7]
