package graft

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// End to end against a real Python gateway hosting examples/shop.py, examples/calculator.py
// and tests/typescript/fixtures/tsfixture.py. tests/go_runtime/test_go_runtime.py starts the
// gateway and passes its URLs in GRAFT_E2E_URLS; without it these tests are skipped.

func e2eURLs(t *testing.T) []string {
	urls := os.Getenv("GRAFT_E2E_URLS")
	if urls == "" {
		t.Skip("GRAFT_E2E_URLS is not set (tests/go_runtime/test_go_runtime.py sets it)")
	}
	return strings.Split(urls, ",")
}

func dialT(t *testing.T, url, module string) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, Options{Module: module})
	if err != nil {
		t.Fatalf("dial %s (%s): %v", url, module, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func callT(t *testing.T, c *Conn, call Call) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := c.Invoke(ctx, call)
	if err != nil {
		t.Fatalf("%s.%s: %v", call.Target, call.Member, err)
	}
	return v
}

func TestE2E(t *testing.T) {
	for _, url := range e2eURLs(t) {
		t.Run(url[:strings.Index(url, ":")], func(t *testing.T) {
			t.Run("records enums optional", func(t *testing.T) { e2eRecords(t, url) })
			t.Run("bytes and maps", func(t *testing.T) { e2eBytesMaps(t, url) })
			t.Run("instances and properties", func(t *testing.T) { e2eInstances(t, url) })
			t.Run("declared errors", func(t *testing.T) { e2eErrors(t, url) })
			t.Run("deadline and cancel", func(t *testing.T) { e2eDeadline(t, url) })
			t.Run("200 concurrent calls", func(t *testing.T) { e2eConcurrent(t, url) })
			t.Run("handshake refusal and ping", func(t *testing.T) { e2eHandshake(t, url) })
			t.Run("streams", func(t *testing.T) { e2eStreams(t, url) })
			t.Run("channel from configuration", func(t *testing.T) { e2eChannel(t, url) })
		})
	}
}

func e2eRecords(t *testing.T, url string) {
	c := dialT(t, url, "shop")
	p := callT(t, c, Call{Target: "shop", Member: "get_product", Args: []any{"B-1"}}).(map[string]any)
	if p["sku"] != "B-1" || p["price"] != "9.99" || p["category"] != "books" || p["stock"] != int64(5) {
		t.Fatalf("get_product: %v", p)
	}
	if tags := p["tags"].([]any); len(tags) != 1 || tags[0] != "sf" {
		t.Fatalf("tags: %v", p["tags"])
	}
	all := callT(t, c, Call{Target: "shop", Member: "list_products", Args: []any{nil}, Kwargs: map[string]any{"limit": 2}}).([]any)
	if len(all) != 2 {
		t.Fatalf("list_products(None, limit=2): %v", all)
	}
	games := callT(t, c, Call{Target: "shop", Member: "list_products", Args: []any{"games"}}).([]any)
	if len(games) != 1 || games[0].(map[string]any)["sku"] != "G-1" {
		t.Fatalf("list_products('games'): %v", games)
	}
}

func e2eBytesMaps(t *testing.T, url string) {
	c := dialT(t, url, "tsfixture")
	in := []byte{0, 1, 0xfe, 0xff}
	if got := callT(t, c, Call{Target: "tsfixture", Member: "echo_bytes", Args: []any{in}}); !bytes.Equal(got.([]byte), in) {
		t.Fatalf("echo_bytes: %v", got)
	}
	got := callT(t, c, Call{Target: "tsfixture", Member: "scores", Args: []any{map[int64]any{1: 1.5, -7: 2.0}}}).(map[any]any)
	if len(got) != 2 || got[int64(1)] != 3.0 || got[int64(-7)] != 4.0 {
		t.Fatalf("scores: %v", got)
	}
	if v := callT(t, c, Call{Target: "tsfixture", Member: "big"}); v != int64(1)<<60 {
		t.Fatalf("big: %v", v)
	}
}

func e2eInstances(t *testing.T, url string) {
	c := dialT(t, url, "shop")
	ref := callT(t, c, Call{Op: OpNew, Target: "Cart", Args: []any{"ann"}, Kwargs: map[string]any{"currency": "EUR"}}).(InstanceRef)
	if ref.Class != "Cart" || ref.ID == 0 {
		t.Fatalf("new Cart: %+v", ref)
	}
	if n := callT(t, c, Call{Target: "Cart", Member: "add", Instance: &ref, Args: []any{"B-1", 2}}); n != int64(2) {
		t.Fatalf("add: %v", n)
	}
	callT(t, c, Call{Op: OpSet, Target: "Cart", Member: "note", Instance: &ref, Args: []any{"gift"}})
	if note := callT(t, c, Call{Op: OpGet, Target: "Cart", Member: "note", Instance: &ref}); note != "gift" {
		t.Fatalf("note: %v", note)
	}
	if total := callT(t, c, Call{Op: OpGet, Target: "Cart", Member: "total", Instance: &ref}); total != "19.98" {
		t.Fatalf("total: %v", total)
	}
	order := callT(t, c, Call{Target: "Cart", Member: "checkout", Instance: &ref, Args: []any{nil}}).(map[string]any)
	if order["note"] != nil || order["customer"] != "ann" || len(order["items"].([]any)) != 1 {
		t.Fatalf("checkout(None): %v", order)
	}
	ctx := context.Background()
	_, err := c.Invoke(ctx, Call{Op: OpSet, Target: "Cart", Member: "total", Instance: &ref, Args: []any{"0"}})
	if CodeOf(err) != PermissionDenied {
		t.Fatalf("set a read-only property: %v", err)
	}
	if err := c.Release(ref); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Invoke(ctx, Call{Target: "Cart", Member: "remove", Instance: &ref, Args: []any{"B-1"}}); CodeOf(err) != NotFound {
		t.Fatalf("a released instance: %v", err)
	}
	// instance references travel back as arguments
	f := dialT(t, url, "tsfixture")
	a := callT(t, f, Call{Op: OpNew, Target: "Counter", Args: []any{2}}).(InstanceRef)
	b := callT(t, f, Call{Op: OpNew, Target: "Counter", Args: []any{3}}).(InstanceRef)
	if n := callT(t, f, Call{Target: "Counter", Member: "merge", Instance: &a, Args: []any{b}}); n != int64(5) {
		t.Fatalf("merge: %v", n)
	}
	// and a reference from one connection is refused on another, before anything is sent
	if _, err := c.Invoke(ctx, Call{Target: "Counter", Member: "bump", Instance: &a}); CodeOf(err) != NotFound {
		t.Fatalf("a reference of another connection: %v", err)
	}
}

func e2eErrors(t *testing.T, url string) {
	c := dialT(t, url, "shop")
	ctx := context.Background()
	cart, err := c.Invoke(ctx, Call{Op: OpNew, Target: "Cart", Args: []any{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	ref := cart.(InstanceRef)
	_, err = c.Invoke(ctx, Call{Target: "Cart", Member: "add", Instance: &ref, Args: []any{"B-2", 9}})
	var ge *Error
	if !errors.As(err, &ge) || ge.Type != "OutOfStock" || ge.Code != Unknown {
		t.Fatalf("add(B-2, 9): %#v", err)
	}
	if ge.Fields["sku"] != "B-2" || ge.Fields["requested"] != int64(9) || ge.Fields["available"] != int64(2) {
		t.Fatalf("OutOfStock fields: %v", ge.Fields)
	}
	_, err = c.Invoke(ctx, Call{Target: "shop", Member: "get_product", Args: []any{"nope"}})
	if !errors.As(err, &ge) || ge.Type != "NotFound" || ge.Fields["sku"] != "nope" {
		t.Fatalf("get_product(nope): %v", err)
	}
	_, err = c.Invoke(ctx, Call{Target: "shop", Member: "get_product", Args: []any{42}})
	if CodeOf(err) != InvalidArgument || !strings.Contains(err.Error(), "sku") {
		t.Fatalf("get_product(42): %v", err)
	}
	_, err = c.Invoke(ctx, Call{Target: "shop", Member: "no_such_member"})
	if CodeOf(err) != NotFound {
		t.Fatalf("an unknown member: %v", err)
	}
}

func e2eDeadline(t *testing.T, url string) {
	c := dialT(t, url, "tsfixture")
	for _, member := range []string{"nap", "sleep"} {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := c.Invoke(ctx, Call{Target: "tsfixture", Member: member, Args: []any{30.0}})
		cancel()
		if CodeOf(err) != DeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s(30) with a 300 ms deadline: %v", member, err)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("the deadline did not end %s(30) early", member)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Invoke(ctx, Call{Target: "tsfixture", Member: "nap", Args: []any{30.0}})
	if CodeOf(err) != Cancelled || !errors.Is(err, context.Canceled) {
		t.Fatalf("nap(30) cancelled: %v", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Fatal("cancelling did not end nap(30) early")
	}
	// a Timeout option stands in for a context without a deadline
	d := dialT(t, url, "tsfixture")
	d.core.opts.Timeout = 300 * time.Millisecond
	if _, err := d.Invoke(context.Background(), Call{Target: "tsfixture", Member: "nap", Args: []any{30.0}}); CodeOf(err) != DeadlineExceeded {
		t.Fatalf("nap(30) with Timeout 300 ms: %v", err)
	}
	// the connection carries on
	if v := callT(t, c, Call{Target: "tsfixture", Member: "nap", Args: []any{0.0}}); v != 0.0 {
		t.Fatalf("nap(0): %v", v)
	}
}

func e2eConcurrent(t *testing.T, url string) {
	c := dialT(t, url, "calculator")
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v, err := c.Invoke(context.Background(), Call{Target: "calculator", Member: "add", Args: []any{i, 1000 * i}})
			if err == nil && v != int64(1001*i) {
				err = Errorf(DataLoss, "add(%d, %d) = %v", i, 1000*i, v)
			}
			if err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func e2eHandshake(t *testing.T, url string) {
	_, err := Dial(context.Background(), url, Options{Module: "nosuchmodule"})
	if CodeOf(err) != NotFound || !strings.Contains(err.Error(), "nosuchmodule") {
		t.Fatalf("an unknown module: %v", err)
	}
	c := dialT(t, url, "")
	if c.Server().Module == "" || len(c.Server().Modules) < 3 || c.Server().Limits.MaxMessageSize < minMessageSize {
		t.Fatalf("server hello: %+v", c.Server())
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Invoke(context.Background(), Call{Target: "calculator", Member: "add"}); CodeOf(err) != Unavailable {
		t.Fatalf("a call on a closed connection: %v", err)
	}
}

func e2eChannel(t *testing.T, url string) {
	t.Setenv("GRAFT_CALCULATOR_URL", url)
	t.Setenv("GRAFT_CALCULATOR_METADATA", "x-tenant=acme")
	ch := NewChannel(ChannelConfig{Module: "calculator", Default: Settings{URL: "tcp://127.0.0.1:1"}})
	defer ch.Close()
	v, err := ch.Invoke(context.Background(), Call{Target: "calculator", Member: "add", Args: []any{2, 3}})
	if err != nil || v != int64(5) {
		t.Fatalf("add(2, 3) through a channel: %v %v", v, err)
	}
	r, _ := ch.Settings()
	if r.Sources["url"] != "$GRAFT_CALCULATOR_*" || r.Metadata["x-tenant"] != "acme" {
		t.Fatalf("settings: %+v", r)
	}
	acc, err := ch.Invoke(context.Background(), Call{Op: OpNew, Target: "Accumulator", Args: []any{1.5}})
	if err != nil {
		t.Fatal(err)
	}
	ref := acc.(InstanceRef)
	// the connection is lost: the next call reconnects, the old instance is gone
	ch.conn.core.t.close()
	<-ch.conn.Done()
	if v, err := ch.Invoke(context.Background(), Call{Target: "calculator", Member: "add", Args: []any{1, 1}}); err != nil || v != int64(2) {
		t.Fatalf("a call after the connection was lost: %v %v", v, err)
	}
	if _, err := ch.Invoke(context.Background(), Call{Target: "Accumulator", Member: "add", Instance: &ref, Args: []any{1.0}}); CodeOf(err) != NotFound {
		t.Fatalf("an instance of the lost connection: %v", err)
	}
}

// TestE2EGoAway runs against a gateway of its own (GRAFT_E2E_GOAWAY_URL), which it stops with
// SIGTERM while a call is running: the call is still answered, the connection then refuses
// new calls as retry-safe UNAVAILABLE.
func TestE2EGoAway(t *testing.T) {
	url, pid := os.Getenv("GRAFT_E2E_GOAWAY_URL"), os.Getenv("GRAFT_E2E_GOAWAY_PID")
	if url == "" || pid == "" {
		t.Skip("GRAFT_E2E_GOAWAY_URL/PID are not set (tests/go_runtime/test_go_runtime.py sets them)")
	}
	c := dialT(t, url, "tsfixture")
	slow := make(chan error, 1)
	go func() {
		v, err := c.Invoke(context.Background(), Call{Target: "tsfixture", Member: "sleep", Args: []any{1.0}})
		if err == nil && v != 1.0 {
			err = Errorf(DataLoss, "sleep(1) = %v", v)
		}
		slow <- err
	}()
	// the gateway handles messages in order: once the PONG is back, it holds the CALL
	for c.core.sent() < 1 {
		time.Sleep(time.Millisecond)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(pid)
	p, _ := os.FindProcess(n)
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-slow; err != nil {
		t.Fatalf("the call in flight at GOAWAY: %v", err)
	}
	<-c.Done()
	var ge *Error
	if !errors.As(c.Err(), &ge) || ge.Code != Unavailable || !ge.RetrySafe {
		t.Fatalf("after GOAWAY: %#v", c.Err())
	}
	if _, err := c.Invoke(context.Background(), Call{Target: "tsfixture", Member: "big"}); !errors.As(err, &ge) || !ge.RetrySafe {
		t.Fatalf("a call after GOAWAY: %v", err)
	}
}

// TestE2ETLS calls a gateway with a self-signed certificate over tls:// and wss://
// (GRAFT_E2E_TLS_URLS): trusted through GRAFT_CALCULATOR_TLS_CA, refused without it.
func TestE2ETLS(t *testing.T) {
	urls, ca := os.Getenv("GRAFT_E2E_TLS_URLS"), os.Getenv("GRAFT_E2E_TLS_CA")
	if urls == "" || ca == "" {
		t.Skip("GRAFT_E2E_TLS_URLS/CA are not set (tests/go_runtime/test_go_runtime.py sets them)")
	}
	for _, url := range strings.Split(urls, ",") {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		untrusted := NewChannel(ChannelConfig{Module: "calculator", Code: Settings{URL: url}})
		if _, err := untrusted.Invoke(ctx, add(1, 1)); CodeOf(err) != Unavailable || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("%s without the CA: %v", url, err)
		}
		t.Setenv("GRAFT_CALCULATOR_TLS_CA", ca)
		trusted := NewChannel(ChannelConfig{Module: "calculator", Code: Settings{URL: url}})
		if v, err := trusted.Invoke(ctx, add(20, 22)); err != nil || v != int64(42) {
			t.Fatalf("%s with the CA: %v %v", url, v, err)
		}
		trusted.Close()
		os.Unsetenv("GRAFT_CALCULATOR_TLS_CA")
	}
}
