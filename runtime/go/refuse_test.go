package graft

import (
	"errors"
	"testing"
)

// A value generated code refuses (a literal outside its set) fails the encoding with
// INVALID_ARGUMENT, wherever it sits, and is marked retry-safe: nothing was sent.
func TestRefusedValueFailsTheEncodingBeforeSending(t *testing.T) {
	for _, v := range []any{
		Refuse("Unit(%q) is not one of %s", "g", `"kg" | "lb"`),
		[]any{int64(1), Map{{Key: "unit", Value: Refuse("Unit(%q) is not one of %s", "g", `"kg" | "lb"`)}}},
	} {
		e := encoder{limits: DefaultLimits()}
		err := e.value(v, 0)
		var ge *Error
		if !errors.As(err, &ge) || ge.Code != InvalidArgument || !ge.RetrySafe {
			t.Fatalf("got %v, want a retry-safe INVALID_ARGUMENT", err)
		}
		if ge.Message != `Unit("g") is not one of "kg" | "lb"` {
			t.Fatalf("message %q", ge.Message)
		}
	}
}
