package graft

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// A gateway played by hand, frame by frame, to drive the client through every path.

type fakeGateway struct {
	t     *testing.T
	ln    net.Listener
	conns chan *fakePeer
}

type fakePeer struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	ws   bool
}

func newFakeGateway(t *testing.T) *fakeGateway {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &fakeGateway{t: t, ln: ln, conns: make(chan *fakePeer, 16)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			g.conns <- &fakePeer{t: t, conn: c, r: bufio.NewReader(c)}
		}
	}()
	return g
}

func (g *fakeGateway) url() string { return "tcp://" + g.ln.Addr().String() }

// accept takes the next connection and reads its HELLO.
func (g *fakeGateway) accept() (*fakePeer, helloMsg) {
	select {
	case p := <-g.conns:
		return p, p.read().(helloMsg)
	case <-time.After(30 * time.Second):
		g.t.Fatal("no connection")
	}
	return nil, helloMsg{}
}

func serverHello() helloMsg {
	return helloMsg{Major: 1, Module: "calculator", Limits: DefaultLimits(), Features: []string{}, Modules: []string{"calculator"}}
}

// pair is a client connection and the fake gateway's end of it, after the handshake.
func pair(t *testing.T, opts Options, hello helloMsg) (*Conn, *fakePeer) {
	g := newFakeGateway(t)
	type dialed struct {
		c   *Conn
		err error
	}
	done := make(chan dialed, 1)
	go func() {
		c, err := Dial(context.Background(), g.url(), opts)
		done <- dialed{c, err}
	}()
	p, _ := g.accept()
	p.send(hello)
	d := <-done
	if d.err != nil {
		t.Fatal(d.err)
	}
	t.Cleanup(func() { d.c.Close() })
	return d.c, p
}

func (p *fakePeer) readPayload() ([]byte, error) {
	if p.ws {
		return p.readWS()
	}
	return readFrame(p.r, 1<<20)
}

func (p *fakePeer) read() message {
	p.t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	payload, err := p.readPayload()
	if err != nil {
		p.t.Fatalf("fake gateway read: %v", err)
	}
	m, err := decodeMessage(payload, DefaultLimits(), nil, false)
	if err != nil {
		p.t.Fatalf("fake gateway decode: %v", err)
	}
	return m
}

// readEOF expects the client to close the connection (after what it still sends).
func (p *fakePeer) readEOF() {
	p.t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, err := p.readPayload()
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) {
			return
		}
		if err != nil {
			p.t.Fatalf("expected the end of the connection: %v", err)
		}
	}
}

func (p *fakePeer) send(m message) {
	p.t.Helper()
	payload, err := encodeMessage(m, DefaultLimits(), nil)
	if err != nil {
		p.t.Fatal(err)
	}
	p.sendPayload(payload)
}

func (p *fakePeer) sendPayload(payload []byte) {
	if p.ws {
		p.sendWS(opBinary, true, payload)
		return
	}
	p.sendRaw(frame(payload))
}

func (p *fakePeer) sendRaw(b []byte) {
	if _, err := p.conn.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

// invokeAsync runs a call in a goroutine; the channel gets its outcome.
type outcome struct {
	v   any
	err error
}

func invokeAsync(ctx context.Context, c *Conn, call Call) chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		v, err := c.Invoke(ctx, call)
		ch <- outcome{v, err}
	}()
	return ch
}

func wait(t *testing.T, ch chan outcome) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(30 * time.Second):
		t.Fatal("the call never returned")
	}
	return outcome{}
}

func add(a, b int) Call { return Call{Target: "calculator", Member: "add", Args: []any{a, b}} }

// sent is how many CALLs have been numbered (for tests that wait for one to go out).
func (c *clientCore) sent() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextID - 1
}
