package graft

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Streams end to end against the gateway's tsstream module
// (tests/typescript/fixtures/tsstream.py): its generators write a marker file from their
// finally blocks, which is how these tests see that cancelling closed them on the gateway.

func tsstream(member string, args ...any) Call {
	return Call{Op: OpCall, Target: "tsstream", Member: member, Args: args}
}

// closedOnGateway waits (boundedly) for a generator's finally to have run.
func closedOnGateway(t *testing.T, marker string) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if _, err := os.Stat(marker); err == nil {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("the generator's finally did not run (%s)", marker)
}

func e2eStreams(t *testing.T, url string) {
	c := dialT(t, url, "tsstream")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()

	t.Run("10,000 items in order", func(t *testing.T) {
		s := MapStream(c.Stream(ctx, tsstream("count", 10_000)), func(v any) (int64, error) { return v.(int64), nil }, nil)
		defer s.Close()
		var next int64
		for s.Next() {
			if s.Item() != next {
				t.Fatalf("item %d was %d", next, s.Item())
			}
			next++
		}
		if s.Err() != nil || next != 10_000 {
			t.Fatalf("%d items, err %v", next, s.Err())
		}
	})

	t.Run("a declared error after 3 items", func(t *testing.T) {
		s := c.Stream(ctx, tsstream("fail_after", 3))
		n := 0
		for s.Next() {
			n++
		}
		var ge *Error
		if n != 3 || !errors.As(s.Err(), &ge) || ge.Type != "TooFar" || ge.Fields["at"] != int64(3) {
			t.Fatalf("%d items, err %#v", n, s.Err())
		}
	})

	t.Run("Close after 3 items closes the generator", func(t *testing.T) {
		marker := filepath.Join(dir, "close")
		s := c.Stream(ctx, tsstream("count", 1_000_000, marker))
		for i := 0; i < 3 && s.Next(); i++ {
		}
		s.Close()
		closedOnGateway(t, marker)
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("the connection is not usable after a cancelled stream: %v", err)
		}
	})

	t.Run("breaking out of a range loop closes the generator", func(t *testing.T) {
		marker := filepath.Join(dir, "break")
		n := 0
		// what `for _, err := range s.All() { ...; break }` does (this module is Go 1.22)
		c.Stream(ctx, tsstream("count", 1_000_000, marker)).All()(func(_ any, err error) bool {
			if err != nil {
				t.Fatal(err)
			}
			n++
			return n < 3
		})
		closedOnGateway(t, marker)
	})

	t.Run("cancelling the context mid-stream", func(t *testing.T) {
		marker := filepath.Join(dir, "cancel")
		cctx, stop := context.WithCancel(ctx)
		defer stop()
		s := c.Stream(cctx, tsstream("count", 1_000_000, marker))
		defer s.Close()
		n := 0
		for s.Next() {
			if n++; n == 3 {
				stop()
			}
		}
		if n != 3 || CodeOf(s.Err()) != Cancelled || !errors.Is(s.Err(), context.Canceled) {
			t.Fatalf("%d items, err %v", n, s.Err())
		}
		closedOnGateway(t, marker)
	})

	t.Run("the deadline covers the whole stream", func(t *testing.T) {
		marker := filepath.Join(dir, "deadline")
		dctx, stop := context.WithTimeout(ctx, 400*time.Millisecond)
		defer stop()
		s := c.Stream(dctx, tsstream("slow", 1000, 0.02, marker))
		defer s.Close()
		n := 0
		for s.Next() {
			n++
		}
		if CodeOf(s.Err()) != DeadlineExceeded || n == 0 || n == 1000 {
			t.Fatalf("%d items, err %v", n, s.Err())
		}
		closedOnGateway(t, marker)
	})

	t.Run("a disconnect mid-stream closes the generator", func(t *testing.T) {
		marker := filepath.Join(dir, "disconnect")
		other := dialT(t, url, "tsstream")
		s := other.Stream(ctx, tsstream("count", 1_000_000, marker))
		defer s.Close()
		for i := 0; i < 3 && s.Next(); i++ {
		}
		other.Close()
		for s.Next() {
		}
		if CodeOf(s.Err()) != Unavailable {
			t.Fatalf("err %v", s.Err())
		}
		closedOnGateway(t, marker)
	})
	t.Run("a client stream and a bidirectional one", func(t *testing.T) {
		numbers := func(yield func(any) bool) {
			for i := int64(1); i <= 1000; i++ {
				if !yield(i) {
					return
				}
			}
		}
		if got := callT(t, c, Call{Op: OpCall, Target: "tsstream", Member: "total", Args: []any{nil}, Input: numbers}); got != int64(500500) {
			t.Fatalf("total %v", got)
		}
		words := func(yield func(any) bool) {
			for _, w := range []string{"a", "b", "c"} {
				if !yield(w) {
					return
				}
			}
		}
		s := c.Stream(ctx, Call{Op: OpCall, Target: "tsstream", Member: "shout", Args: []any{nil}, Input: words})
		defer s.Close()
		var got []any
		for s.Next() {
			got = append(got, s.Item())
		}
		if s.Err() != nil || len(got) != 3 || got[0] != "A" || got[2] != "C" {
			t.Fatalf("%v %v", got, s.Err())
		}
	})

}
