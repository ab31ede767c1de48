package graft

import (
	"context"
	"errors"
	"testing"
)

// Streams against the hand-played gateway: items in order, WINDOW grants as items are taken,
// the typed error after the items, CANCEL on Close, client streams within the credit, and
// what a gateway without the feature, or one that ignores the credit, gets.

func streamHello(window uint64) helloMsg {
	h := serverHello()
	h.Features, h.StreamWindow = []string{streamFeature}, window
	return h
}

func tail() Call { return Call{Target: "logs", Member: "tail"} }

func TestStreamItemsInOrderWithWindowGrants(t *testing.T) {
	c, p := pair(t, Options{}, streamHello(2))
	s := MapStream(c.Stream(context.Background(), tail()), func(v any) (int64, error) { return v.(int64), nil }, nil)
	defer s.Close()
	call := p.read().(callMsg)
	if call.Window == nil || *call.Window != defaultWindow {
		t.Fatalf("window %v", call.Window)
	}
	for i := int64(0); i < defaultWindow; i++ {
		p.send(itemMsg{call.ID, i})
	}
	for i := int64(0); i < defaultWindow/2; i++ {
		if !s.Next() || s.Item() != i {
			t.Fatalf("item %d: %v %v", i, s.Item(), s.Err())
		}
	}
	if w := p.read().(windowMsg); w.N != defaultWindow/2 {
		t.Fatalf("WINDOW %d", w.N)
	}
	p.send(itemMsg{call.ID, int64(defaultWindow)})
	p.send(resultMsg{call.ID, nil})
	n := int64(defaultWindow / 2)
	for s.Next() {
		if s.Item() != n {
			t.Fatalf("item %d was %d", n, s.Item())
		}
		n++
	}
	if s.Err() != nil || n != defaultWindow+1 {
		t.Fatalf("%d items, err %v", n, s.Err())
	}
}

func TestStreamDeclaredErrorAfterItemsAndCloseCancels(t *testing.T) {
	c, p := pair(t, Options{}, streamHello(0))
	s := c.Stream(context.Background(), tail())
	call := p.read().(callMsg)
	typ := "TooFar"
	for i := 0; i < 3; i++ {
		p.send(itemMsg{call.ID, int64(i)})
	}
	p.send(errorMsg{ID: call.ID, Code: Unknown, Message: "too far", TypeName: &typ, Fields: map[string]any{"at": int64(3)}})
	n := 0
	for s.Next() {
		n++
	}
	var ge *Error
	if n != 3 || !errors.As(s.Err(), &ge) || ge.Type != "TooFar" {
		t.Fatalf("%d items, err %v", n, s.Err())
	}

	s = c.Stream(context.Background(), tail())
	call = p.read().(callMsg)
	p.send(itemMsg{call.ID, int64(1)})
	if !s.Next() {
		t.Fatal(s.Err())
	}
	s.Close()
	if m := p.read(); m != (cancelMsg{call.ID}) {
		t.Fatalf("after Close: %#v", m)
	}
	if s.Next() {
		t.Fatal("a closed stream gave an item")
	}
}

func TestClientStreamWithinTheGatewaysCredit(t *testing.T) {
	c, p := pair(t, Options{}, streamHello(2))
	input := func(yield func(any) bool) {
		for i := int64(1); i <= 5; i++ {
			if !yield(i) {
				return
			}
		}
	}
	ch := invokeAsync(context.Background(), c, Call{Target: "logs", Member: "sum", Args: []any{nil}, Input: input})
	call := p.read().(callMsg)
	if call.Window != nil || len(call.Args) != 1 || call.Args[0] != nil {
		t.Fatalf("CALL %#v", call)
	}
	var got []any
	for i := 0; i < 2; i++ {
		got = append(got, p.read().(itemMsg).Value)
	}
	if credit := func() uint64 { c.core.mu.Lock(); defer c.core.mu.Unlock(); return c.core.state.streams.credit(call.ID) }(); credit != 0 {
		t.Fatalf("credit left %d", credit)
	}
	p.send(windowMsg{call.ID, 10})
	for i := 0; i < 3; i++ {
		got = append(got, p.read().(itemMsg).Value)
	}
	if m := p.read(); m != (endMsg{call.ID}) {
		t.Fatalf("expected END, got %#v", m)
	}
	p.send(resultMsg{call.ID, int64(15)})
	if o := wait(t, ch); o.err != nil || o.v != int64(15) || len(got) != 5 || got[4] != int64(5) {
		t.Fatalf("%v %v %v", o.v, o.err, got)
	}
}

func TestStreamsNeedTheFeatureAndTheCreditIsEnforced(t *testing.T) {
	c, _ := pair(t, Options{}, serverHello())
	s := c.Stream(context.Background(), tail())
	if s.Next() || CodeOf(s.Err()) != FailedPrecondition {
		t.Fatalf("without the feature: %v", s.Err())
	}
	c, p := pair(t, Options{}, streamHello(0))
	s = c.Stream(context.Background(), tail())
	defer s.Close()
	call := p.read().(callMsg)
	for i := uint64(0); i <= *call.Window; i++ {
		p.send(itemMsg{call.ID, int64(i)})
	}
	if g := p.read().(goAwayMsg); g.Code != ResourceExhausted {
		t.Fatalf("GOAWAY %v", g)
	}
	for s.Next() {
	}
	if CodeOf(s.Err()) != ResourceExhausted {
		t.Fatalf("err %v", s.Err())
	}
}

func TestCancellingTheContextCancelsAStreamNobodyReads(t *testing.T) {
	c, p := pair(t, Options{}, streamHello(0))
	ctx, cancel := context.WithCancel(context.Background())
	s := c.Stream(ctx, tail())
	defer s.Close()
	call := p.read().(callMsg)
	p.send(itemMsg{call.ID, int64(1)})
	cancel()
	if m := p.read(); m != (cancelMsg{call.ID}) {
		t.Fatalf("after cancel: %#v", m)
	}
	if s.Next() || CodeOf(s.Err()) != Cancelled {
		t.Fatalf("the queued item after a cancel: %v %v", s.Item(), s.Err())
	}
	p.send(errorMsg{ID: call.ID, Code: Cancelled, Message: "cancelled"})
	s.Close() // after the end: sends nothing more
	ch := invokeAsync(context.Background(), c, add(1, 2))
	next := p.read().(callMsg) // not a second CANCEL
	p.send(resultMsg{next.ID, int64(3)})
	if o := wait(t, ch); o.err != nil || o.v != int64(3) {
		t.Fatalf("%v %v", o.v, o.err)
	}
}
