package graft

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHelloCarriesModuleSchemaTokenAndLimits(t *testing.T) {
	g := newFakeGateway(t)
	go func() {
		_, _ = Dial(context.Background(), g.url(), Options{Module: "shop", Schema: "abc", Version: "1.2.0", Token: "s3cret", MaxMessageSize: 1 << 20})
	}()
	p, h := g.accept()
	defer p.conn.Close()
	if h.Module != "shop" || h.Schema != "abc" || h.Version != "1.2.0" || h.Auth != "s3cret" || h.Agent != agent {
		t.Fatalf("client HELLO: %+v", h)
	}
	if h.Limits.MaxMessageSize != 1<<20 || h.Limits.MaxDepth != 64 {
		t.Fatalf("client limits: %+v", h.Limits)
	}
}

func TestHandshakeRefusedWithGoAway(t *testing.T) {
	g := newFakeGateway(t)
	done := make(chan error, 1)
	go func() {
		_, err := Dial(context.Background(), g.url(), Options{Module: "nope", Token: "s3cret"})
		done <- err
	}()
	p, _ := g.accept()
	p.send(goAwayMsg{0, NotFound, "no module 'nope'; this gateway hosts: calculator"})
	err := <-done
	if CodeOf(err) != NotFound || !strings.Contains(err.Error(), "calculator") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("refusal: %v", err)
	}
}

func TestHandshakeWithAnotherMajorVersion(t *testing.T) {
	g := newFakeGateway(t)
	done := make(chan error, 1)
	go func() {
		_, err := Dial(context.Background(), g.url(), Options{})
		done <- err
	}()
	p, _ := g.accept()
	h := serverHello()
	h.Major = 2
	p.send(h)
	if g := p.read().(goAwayMsg); g.Code != Unimplemented {
		t.Fatalf("client GOAWAY: %+v", g)
	}
	if err := <-done; CodeOf(err) != Unimplemented {
		t.Fatalf("dial: %v", err)
	}
}

func TestDialTimesOutDuringTheHandshake(t *testing.T) {
	g := newFakeGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Dial(ctx, g.url(), Options{})
		done <- err
	}()
	p, _ := g.accept() // and never answers
	defer p.conn.Close()
	if err := <-done; CodeOf(err) != DeadlineExceeded {
		t.Fatalf("dial: %v", err)
	}
	_, err := Dial(context.Background(), g.url(), Options{ConnectTimeout: 100 * time.Millisecond})
	if CodeOf(err) != Unavailable || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("dial with ConnectTimeout: %v", err)
	}
}

func TestAnswersInAnyOrderToConcurrentCallers(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	const n = 50
	results := make([]chan outcome, n)
	for i := range results {
		results[i] = invokeAsync(context.Background(), c, add(i, 0))
	}
	calls := make([]callMsg, n)
	var last uint64
	for i := range calls {
		calls[i] = p.read().(callMsg)
		if calls[i].ID <= last {
			t.Fatalf("call ids must increase on the wire: %d after %d", calls[i].ID, last)
		}
		last = calls[i].ID
		if calls[i].TimeoutMS != nil || calls[i].Metadata != nil {
			t.Fatalf("no deadline, no metadata: %+v", calls[i])
		}
	}
	for i := n - 1; i >= 0; i-- {
		p.send(resultMsg{calls[i].ID, calls[i].Args[0]})
	}
	for i, ch := range results {
		if o := wait(t, ch); o.err != nil || o.v != int64(i) {
			t.Fatalf("call %d: %v %v", i, o.v, o.err)
		}
	}
}

func TestDeadlineIsSentAndCancelFollowsTheContext(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	ch := invokeAsync(ctx, c, add(1, 2))
	call := p.read().(callMsg)
	if call.TimeoutMS == nil || *call.TimeoutMS == 0 || *call.TimeoutMS > 20000 {
		t.Fatalf("timeout_ms: %v", call.TimeoutMS)
	}
	cancel()
	if cm := p.read().(cancelMsg); cm.ID != call.ID {
		t.Fatalf("CANCEL %d for call %d", cm.ID, call.ID)
	}
	o := wait(t, ch)
	if CodeOf(o.err) != Cancelled || !errors.Is(o.err, context.Canceled) {
		t.Fatalf("cancelled call: %v", o.err)
	}
	// the gateway still answers the cancelled call: dropped, and the connection carries on
	p.send(errorMsg{ID: call.ID, Code: Cancelled, Message: "cancelled"})
	ch = invokeAsync(context.Background(), c, add(2, 2))
	next := p.read().(callMsg)
	p.send(resultMsg{next.ID, int64(4)})
	if o := wait(t, ch); o.v != int64(4) {
		t.Fatalf("the next call: %v %v", o.v, o.err)
	}
}

func TestAnExpiredContextSendsNothing(t *testing.T) {
	c, _ := pair(t, Options{}, serverHello())
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := c.Invoke(ctx, add(1, 1)); CodeOf(err) != DeadlineExceeded {
		t.Fatalf("expired: %v", err)
	}
	if c.core.sent() != 0 {
		t.Fatal("an expired call was sent")
	}
}

func TestCancelledAfterTheDeadlineIsDeadlineExceeded(t *testing.T) {
	c := &clientCore{}
	past := time.Now().Add(-time.Millisecond)
	_, err := c.outcome(answer{msg: errorMsg{ID: 1, Code: Cancelled, Message: "deadline"}}, past, true)
	if CodeOf(err) != DeadlineExceeded {
		t.Fatalf("CANCELLED after the deadline: %v", err)
	}
	tn := "OutOfStock"
	_, err = c.outcome(answer{msg: errorMsg{ID: 1, Code: Unknown, Message: "m", TypeName: &tn, Fields: map[string]any{"sku": "B-1"}}}, time.Time{}, false)
	var ge *Error
	if !errors.As(err, &ge) || ge.Type != "OutOfStock" || ge.Fields["sku"] != "B-1" {
		t.Fatalf("declared error: %#v", err)
	}
}

func TestPingIsAnsweredAndPongsRouted(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	p.send(pingMsg{1<<64 - 1})
	if pong := p.read().(pongMsg); pong.Opaque != 1<<64-1 {
		t.Fatalf("pong: %+v", pong)
	}
	done := make(chan error, 1)
	go func() { done <- c.Ping(context.Background()) }()
	ping := p.read().(pingMsg)
	p.send(pongMsg{ping.Opaque + 1000}) // nobody asked for this one: ignored
	p.send(pongMsg{ping.Opaque})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestGracefulGoAway(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	first := invokeAsync(context.Background(), c, add(1, 1))
	one := p.read().(callMsg)
	second := invokeAsync(context.Background(), c, add(2, 2))
	two := p.read().(callMsg)
	p.send(goAwayMsg{one.ID, OK, "the gateway is shutting down"})
	o := wait(t, second)
	var ge *Error
	if !errors.As(o.err, &ge) || ge.Code != Unavailable || !ge.RetrySafe {
		t.Fatalf("call %d above last_id: %#v", two.ID, o.err)
	}
	if _, err := c.Invoke(context.Background(), add(3, 3)); !errors.As(err, &ge) || !ge.RetrySafe {
		t.Fatalf("a new call after GOAWAY: %v", err)
	}
	p.send(resultMsg{one.ID, int64(2)})
	if o := wait(t, first); o.v != int64(2) {
		t.Fatalf("call %d below last_id: %v %v", one.ID, o.v, o.err)
	}
	p.readEOF() // drained: the client closes
	<-c.Done()
}

func TestGoAwayDrainsCallsItWillNotAnswer(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	ctx, cancel := context.WithCancel(context.Background())
	ch := invokeAsync(ctx, c, add(1, 1))
	call := p.read().(callMsg)
	cancel()
	p.read() // its CANCEL
	wait(t, ch)
	// the abandoned call is above last_id: nothing is left to wait for, so the client closes
	p.send(goAwayMsg{call.ID - 1, OK, "shutting down"})
	p.readEOF()
	<-c.Done()
}

func TestGoAwayWithAnErrorFailsEveryCall(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	ch := invokeAsync(context.Background(), c, add(1, 1))
	p.read()
	p.send(goAwayMsg{1, ResourceExhausted, "too much"})
	if o := wait(t, ch); CodeOf(o.err) != ResourceExhausted || !strings.Contains(o.err.Error(), "too much") {
		t.Fatalf("call: %v", o.err)
	}
}

func TestProtocolErrorsAreAnsweredWithGoAway(t *testing.T) {
	cases := []struct {
		name string
		raw  []byte
		code Code
	}{
		{"answer to no call", frame([]byte{0x93, 0x02, 0x63, 0x03}), InvalidArgument},
		{"oversized prefix", []byte{0xff, 0xff, 0xff, 0xff, 0}, ResourceExhausted},
		{"unknown kind", frame([]byte{0x92, 0x63, 0x01}), Unimplemented},
		{"second hello", nil, InvalidArgument},
		{"call to a client", frame([]byte{0x9a, 0x01, 0x01, 0x00, 0xa1, 0x63, 0xa1, 0x66, 0xc0, 0x90, 0x80, 0xc0, 0xc0}), InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, p := pair(t, Options{}, serverHello())
			ch := invokeAsync(context.Background(), c, add(1, 1))
			call := p.read().(callMsg)
			if tc.raw == nil {
				p.send(serverHello())
			} else {
				p.sendRaw(tc.raw)
			}
			g := p.read().(goAwayMsg)
			if g.Code != tc.code || g.LastID != call.ID {
				t.Fatalf("client GOAWAY: %+v", g)
			}
			if o := wait(t, ch); CodeOf(o.err) != tc.code {
				t.Fatalf("pending call: %v", o.err)
			}
			p.readEOF()
		})
	}
}

func TestALostConnectionFailsCallsAsMaybeRun(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	ch := invokeAsync(context.Background(), c, add(1, 1))
	p.read()
	p.sendRaw([]byte{0, 0, 0, 9, 0x93}) // a truncated frame, then the end
	p.conn.Close()
	o := wait(t, ch)
	var ge *Error
	if !errors.As(o.err, &ge) || ge.Code != Unavailable || ge.RetrySafe {
		t.Fatalf("lost: %#v", o.err)
	}
	<-c.Done()
	if CodeOf(c.Err()) != Unavailable {
		t.Fatalf("Err after loss: %v", c.Err())
	}
}

func TestTheGatewaysLimitsAreCheckedBeforeSending(t *testing.T) {
	h := serverHello()
	h.Limits = Limits{MaxMessageSize: 4096, MaxDepth: 8, MaxContainerLen: 64, MaxInstances: 1, MaxConcurrentCalls: 1}
	c, p := pair(t, Options{}, h)
	cases := map[string][]any{
		"size":      {strings.Repeat("x", 5000)},
		"depth":     {[]any{[]any{[]any{[]any{[]any{[]any{[]any{1}}}}}}}},
		"container": {make([]any, 65)},
	}
	for name, args := range cases {
		var ge *Error
		_, err := c.Invoke(context.Background(), Call{Target: "t", Member: "m", Args: args})
		if !errors.As(err, &ge) || ge.Code != ResourceExhausted || !ge.RetrySafe {
			t.Fatalf("%s: %#v", name, err)
		}
	}
	ch := invokeAsync(context.Background(), c, add(1, 1))
	call := p.read().(callMsg)
	p.send(resultMsg{call.ID, int64(2)})
	if o := wait(t, ch); o.v != int64(2) {
		t.Fatalf("the connection after refused calls: %v", o.err)
	}
}

func TestMaxConcurrentCallsQueuesLocally(t *testing.T) {
	h := serverHello()
	h.Limits.MaxConcurrentCalls = 1
	c, p := pair(t, Options{}, h)
	first := invokeAsync(context.Background(), c, add(1, 1))
	one := p.read().(callMsg)
	second := invokeAsync(context.Background(), c, add(2, 2))
	// the second CALL waits for a slot: the PING sent after it arrives first
	go func() { _ = c.Ping(context.Background()) }()
	ping := p.read().(pingMsg)
	p.send(pongMsg{ping.Opaque})
	p.send(resultMsg{one.ID, int64(2)})
	two := p.read().(callMsg)
	p.send(resultMsg{two.ID, int64(4)})
	if wait(t, first).v != int64(2) || wait(t, second).v != int64(4) {
		t.Fatal("queued calls")
	}
}

func TestMetadataIsLoweredMergedAndChecked(t *testing.T) {
	c, p := pair(t, Options{Metadata: map[string]string{"X-Tenant": "a", "x-app": "demo"}}, serverHello())
	ch := invokeAsync(context.Background(), c, Call{Target: "t", Member: "m", Metadata: map[string]string{"x-tenant": "b", "Trace.Id": "t"}})
	call := p.read().(callMsg)
	p.send(resultMsg{call.ID, nil})
	wait(t, ch)
	md := call.Metadata.(map[string]any)
	if len(md) != 3 || md["x-tenant"] != "b" || md["x-app"] != "demo" || md["trace.id"] != "t" {
		t.Fatalf("metadata: %v", md)
	}
	for _, bad := range []map[string]string{{"a b": "x"}, {"graft-x": "y"}, {"K": "1", "k": "2"}, {"": "e"}} {
		if _, err := c.Invoke(context.Background(), Call{Target: "t", Metadata: bad}); CodeOf(err) != InvalidArgument {
			t.Fatalf("metadata %v: %v", bad, err)
		}
	}
}

func TestInstancesAreBoundToTheirConnection(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	ch := invokeAsync(context.Background(), c, Call{Op: OpNew, Target: "Cart", Args: []any{"ann"}})
	call := p.read().(callMsg)
	if call.Op != OpNew || call.Member != "" {
		t.Fatalf("NEW: %+v", call)
	}
	p.send(resultMsg{call.ID, InstanceRef{ID: 7, Class: "Cart"}})
	ref := wait(t, ch).v.(InstanceRef)
	other, _ := pair(t, Options{}, serverHello())
	for _, call := range []Call{
		{Target: "Cart", Member: "add", Instance: &ref},
		{Target: "shop", Member: "f", Args: []any{[]any{ref}}},
	} {
		if _, err := other.Invoke(context.Background(), call); CodeOf(err) != NotFound {
			t.Fatalf("another connection's instance: %v", err)
		}
	}
	if err := other.Release(ref); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(ref, Ref(9, ""), InstanceRef{ID: 8, conn: other}); err != nil {
		t.Fatal(err)
	}
	if r := p.read().(releaseMsg); len(r.IDs) != 2 || r.IDs[0] != 7 || r.IDs[1] != 9 {
		t.Fatalf("RELEASE: %+v", r)
	}
}

func TestCloseSendsGoAwayAndFailsWaiters(t *testing.T) {
	c, p := pair(t, Options{}, serverHello())
	ch := invokeAsync(context.Background(), c, add(1, 1))
	call := p.read().(callMsg)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if g := p.read().(goAwayMsg); g.Code != OK || g.LastID != call.ID {
		t.Fatalf("client GOAWAY: %+v", g)
	}
	var ge *Error
	if o := wait(t, ch); !errors.As(o.err, &ge) || ge.Code != Unavailable || ge.RetrySafe {
		t.Fatalf("waiter (maybe run): %#v", o.err)
	}
	if _, err := c.Invoke(context.Background(), add(1, 1)); !errors.As(err, &ge) || !ge.RetrySafe {
		t.Fatalf("a call after Close (never sent): %#v", err)
	}
	p.readEOF()
}

func TestChannelConnectsOnceAndReconnects(t *testing.T) {
	g := newFakeGateway(t)
	ch := NewChannel(ChannelConfig{Module: "calculator", Schema: "h", Version: "1.0", Code: Settings{URL: g.url(), Token: "tok"}})
	defer ch.Close()
	var wg sync.WaitGroup
	results := make(chan outcome, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v, err := ch.Invoke(context.Background(), add(i, 0))
			results <- outcome{v, err}
		}(i)
	}
	p, h := g.accept()
	if h.Module != "calculator" || h.Schema != "h" || h.Auth != "tok" {
		t.Fatalf("HELLO: %+v", h)
	}
	p.send(serverHello())
	for i := 0; i < 10; i++ {
		call := p.read().(callMsg)
		p.send(resultMsg{call.ID, call.Args[0]})
	}
	wg.Wait()
	close(results)
	for o := range results {
		if o.err != nil {
			t.Fatal(o.err)
		}
	}
	select {
	case extra := <-g.conns:
		t.Fatalf("concurrent first calls dialled twice: %v", extra.conn.RemoteAddr())
	default:
	}
	out := make(chan outcome, 1)
	go func() {
		v, err := ch.Invoke(context.Background(), Call{Op: OpNew, Target: "Accumulator"})
		out <- outcome{v, err}
	}()
	call := p.read().(callMsg)
	p.send(resultMsg{call.ID, InstanceRef{ID: 1, Class: "Accumulator"}})
	ref := wait(t, out).v.(InstanceRef)
	p.conn.Close() // lost: the next call reconnects; the old instance is gone
	<-ch.conn.Done()
	go func() {
		v, err := ch.Invoke(context.Background(), add(5, 0))
		out <- outcome{v, err}
	}()
	p2, _ := g.accept()
	p2.send(serverHello())
	call = p2.read().(callMsg)
	p2.send(resultMsg{call.ID, int64(5)})
	if o := wait(t, out); o.v != int64(5) {
		t.Fatalf("after reconnecting: %v", o.err)
	}
	if _, err := ch.Invoke(context.Background(), Call{Target: "Accumulator", Member: "add", Instance: &ref}); CodeOf(err) != NotFound {
		t.Fatalf("an instance of the lost connection: %v", err)
	}
	if err := ch.Release(ref); err != nil {
		t.Fatal(err)
	}
	ch.Close()
	if _, err := ch.Invoke(context.Background(), add(1, 1)); CodeOf(err) != Unavailable {
		t.Fatalf("a closed channel: %v", err)
	}
}

func TestChannelDialFailsWithinTheCallsDeadline(t *testing.T) {
	g := newFakeGateway(t)
	ch := NewChannel(ChannelConfig{Module: "calculator", Default: Settings{URL: g.url()}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := ch.Invoke(ctx, add(1, 1))
		done <- err
	}()
	p, _ := g.accept() // never answers the HELLO
	defer p.conn.Close()
	if err := <-done; CodeOf(err) != DeadlineExceeded {
		t.Fatalf("connecting past the call's deadline: %v", err)
	}
	bad := NewChannel(ChannelConfig{Module: "nowhere"})
	if _, err := bad.Invoke(context.Background(), add(1, 1)); CodeOf(err) != InvalidArgument || !strings.Contains(err.Error(), "GRAFT_NOWHERE_URL") {
		t.Fatalf("no URL: %v", err)
	}
}

func TestASchemaMismatchWarns(t *testing.T) {
	var got []string
	h := serverHello()
	h.Schema, h.Version = "b", "1.1.0"
	pair(t, Options{Schema: "a", Version: "1.0.0", OnWarning: func(m string) { got = append(got, m) }}, h)
	if len(got) != 1 || !strings.Contains(got[0], "another schema") || !strings.Contains(got[0], "1.1.0") {
		t.Fatalf("warnings: %q", got)
	}
	got = nil
	h.Schema = "a"
	pair(t, Options{Schema: "a", OnWarning: func(m string) { got = append(got, m) }}, h)
	if len(got) != 0 {
		t.Fatalf("the same schema warns: %q", got)
	}
}
