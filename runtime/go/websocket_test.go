package graft

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The fake gateway's WebSocket side: the upgrade, unmasked frames out, masked frames in.

func (g *fakeGateway) wsURL() string { return "ws://" + g.ln.Addr().String() + "/hypertube" }

// acceptWS takes the next connection, answers its upgrade and reads its HELLO.
func (g *fakeGateway) acceptWS(t *testing.T) (*fakePeer, *http.Request) {
	p := <-g.conns
	req, err := http.ReadRequest(p.r)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + wsGUID))
	p.sendRaw([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Protocol: hypertube.v1\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"))
	p.ws = true
	return p, req
}

func (p *fakePeer) sendWS(op byte, fin bool, payload []byte) {
	head := []byte{op, 0}
	if fin {
		head[0] |= 0x80
	}
	switch n := len(payload); {
	case n <= 125:
		head[1] = byte(n)
	case n <= 0xffff:
		head[1] = 126
		head = binary.BigEndian.AppendUint16(head, uint16(n))
	default:
		head[1] = 127
		head = binary.BigEndian.AppendUint64(head, uint64(n))
	}
	p.sendRaw(append(head, payload...))
}

// readWSFrame reads one client frame, which must be masked.
func (p *fakePeer) readWSFrame() (op byte, payload []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(p.r, h[:]); err != nil {
		return
	}
	if h[1]&0x80 == 0 {
		p.t.Fatal("a client frame without a mask")
	}
	n := uint64(h[1] & 0x7f)
	if n == 126 {
		var b [2]byte
		_, err = io.ReadFull(p.r, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	} else if n == 127 {
		var b [8]byte
		_, err = io.ReadFull(p.r, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	var mask [4]byte
	if _, err = io.ReadFull(p.r, mask[:]); err != nil {
		return
	}
	payload = make([]byte, n)
	if _, err = io.ReadFull(p.r, payload); err != nil {
		return
	}
	for i := range payload {
		payload[i] ^= mask[i&3]
	}
	return h[0] & 0x0f, payload, nil
}

// readWS is the next binary message; a close frame reads as the end of the connection.
func (p *fakePeer) readWS() ([]byte, error) {
	for {
		op, payload, err := p.readWSFrame()
		if err != nil {
			return nil, err
		}
		switch op {
		case opBinary:
			return payload, nil
		case opClose:
			return nil, io.EOF
		}
	}
}

// wsPair is a client connection over WebSocket and the fake gateway's end, after the HELLOs.
func wsPair(t *testing.T, opts Options) (*Conn, *fakePeer) {
	g := newFakeGateway(t)
	done := make(chan outcome, 1)
	go func() {
		c, err := Dial(context.Background(), g.wsURL(), opts)
		done <- outcome{c, err}
	}()
	p, req := g.acceptWS(t)
	if req.URL.Path != "/hypertube" || req.Header.Get("Sec-WebSocket-Protocol") != wsSubprotocol ||
		req.Header.Get("Origin") != opts.Origin || !strings.EqualFold(req.Header.Get("Upgrade"), "websocket") {
		t.Fatalf("upgrade request: %v %v", req.URL, req.Header)
	}
	if h := p.read().(helloMsg); h.Module != opts.Module {
		t.Fatalf("HELLO: %+v", h)
	}
	// the gateway's HELLO in three fragments, a ping in between
	payload, _ := encodeMessage(serverHello(), DefaultLimits(), nil)
	p.sendWS(opBinary, false, payload[:3])
	p.sendWS(opPing, true, []byte("hi"))
	p.sendWS(opContinuation, false, payload[3:10])
	p.sendWS(opContinuation, true, payload[10:])
	o := <-done
	if o.err != nil {
		t.Fatal(o.err)
	}
	if op, pong, _ := p.readWSFrame(); op != opPong || string(pong) != "hi" {
		t.Fatalf("pong: %x %q", op, pong)
	}
	c := o.v.(*Conn)
	t.Cleanup(func() { c.Close() })
	return c, p
}

func TestWebSocketCallsAndFragments(t *testing.T) {
	c, p := wsPair(t, Options{Module: "calculator", Origin: "https://app.example"})
	ch := invokeAsync(context.Background(), c, add(1, 2))
	call := p.read().(callMsg)
	big := strings.Repeat("x", 70000) // a 64-bit length
	p.send(resultMsg{call.ID, big})
	if o := wait(t, ch); o.v != big {
		t.Fatalf("a long result: %v", o.err)
	}
	ch = invokeAsync(context.Background(), c, Call{Target: "t", Member: "m", Args: []any{big}})
	call = p.read().(callMsg)
	p.send(resultMsg{call.ID, nil})
	if call.Args[0] != big {
		t.Fatal("a long call")
	}
	wait(t, ch)
	c.Close()
	if g := p.read().(goAwayMsg); g.Code != OK {
		t.Fatalf("GOAWAY: %+v", g)
	}
	if op, payload, _ := p.readWSFrame(); op != opClose || binary.BigEndian.Uint16(payload) != 1000 {
		t.Fatalf("close frame: %x %x", op, payload)
	}
}

func TestWebSocketViolations(t *testing.T) {
	cases := []struct {
		name   string
		send   func(p *fakePeer)
		status uint16
		code   Code
	}{
		{"text message", func(p *fakePeer) { p.sendWS(opText, true, nil) }, 1003, InvalidArgument},
		{"too big", func(p *fakePeer) {
			p.sendRaw([]byte{0x82, 127, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff})
		}, 1009, ResourceExhausted},
		{"too big in fragments", func(p *fakePeer) {
			p.sendWS(opBinary, false, make([]byte, 3<<20))
			p.sendRaw(binary.BigEndian.AppendUint64([]byte{0x80, 127}, 2<<20))
		}, 1009, ResourceExhausted},
		{"masked frame", func(p *fakePeer) { p.sendRaw([]byte{0x82, 0x81}) }, 1002, InvalidArgument},
		{"reserved opcode", func(p *fakePeer) { p.sendWS(0xb, true, nil) }, 1002, InvalidArgument},
		{"continuation first", func(p *fakePeer) { p.sendWS(opContinuation, true, []byte{1}) }, 1002, InvalidArgument},
	}
	// each violation is refused from its header: sending more would leave unread bytes, and
	// closing a socket with unread bytes resets it, losing the close frame
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, p := wsPair(t, Options{Module: "calculator"})
			ch := invokeAsync(context.Background(), c, add(1, 2))
			p.read()
			tc.send(p)
			_ = p.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			op, payload, err := p.readWSFrame()
			if err != nil || op != opClose || binary.BigEndian.Uint16(payload) != tc.status {
				t.Fatalf("close frame: %x %x %v", op, payload, err)
			}
			if o := wait(t, ch); CodeOf(o.err) != tc.code {
				t.Fatalf("call: %v", o.err)
			}
		})
	}
}

func TestWebSocketGatewayCloses(t *testing.T) {
	c, p := wsPair(t, Options{})
	ch := invokeAsync(context.Background(), c, add(1, 2))
	p.read()
	p.send(goAwayMsg{0, Unauthenticated, "bad token"})
	p.sendWS(opClose, true, binary.BigEndian.AppendUint16(nil, 1008))
	if o := wait(t, ch); CodeOf(o.err) != Unauthenticated {
		t.Fatalf("GOAWAY then 1008: %v", o.err)
	}
	c2, p2 := wsPair(t, Options{})
	ch = invokeAsync(context.Background(), c2, add(1, 2))
	p2.read()
	p2.sendWS(opClose, true, append(binary.BigEndian.AppendUint16(nil, 1009), "too big"...))
	if o := wait(t, ch); CodeOf(o.err) != ResourceExhausted {
		t.Fatalf("close 1009: %v", o.err)
	}
	if op, payload, _ := p2.readWSFrame(); op != opClose || binary.BigEndian.Uint16(payload) != 1009 {
		t.Fatalf("the client echoes the close: %x %x", op, payload)
	}
}

func TestWebSocketUpgradeRefused(t *testing.T) {
	g := newFakeGateway(t)
	done := make(chan error, 1)
	go func() {
		_, err := Dial(context.Background(), g.wsURL(), Options{})
		done <- err
	}()
	p := <-g.conns
	if _, err := http.ReadRequest(bufio.NewReader(p.r)); err != nil {
		t.Fatal(err)
	}
	p.sendRaw([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"))
	if err := <-done; CodeOf(err) != Unavailable || !strings.Contains(err.Error(), "403") {
		t.Fatalf("refused upgrade: %v", err)
	}
}
