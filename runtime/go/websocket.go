package graft

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// A WebSocket client (RFC 6455) as small as Hypertube needs (docs/protocol.md 2.2): one
// binary message per protocol message, fragments reassembled up to the receive limit, text
// messages and oversized ones refused with close codes 1003 and 1009, pings answered.

const (
	wsGUID         = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	wsSubprotocol  = "hypertube.v1"
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
	maxControl     = 125
	maxHandshake   = 16 << 10
)

type wsTransport struct {
	conn net.Conn
	r    *bufio.Reader
	wmu  sync.Mutex // control frames (pong, close) come from the reading goroutine
}

// wsClosed is the peer's close frame: the connection ended, with this code and reason.
type wsClosed struct {
	code   int
	reason string
}

func (e *wsClosed) Error() string {
	return sprintf("the gateway closed the WebSocket (%d %s)", e.code, e.reason)
}

func wsHandshake(conn net.Conn, e endpoint, origin string) (*wsTransport, error) {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	key := base64.StdEncoding.EncodeToString(nonce[:])
	var req strings.Builder
	req.WriteString("GET " + e.path + " HTTP/1.1\r\nHost: " + e.host + "\r\n")
	req.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
	req.WriteString("Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Protocol: " + wsSubprotocol + "\r\n")
	if origin != "" {
		req.WriteString("Origin: " + origin + "\r\n")
	}
	req.WriteString("User-Agent: " + agent + "\r\n\r\n")
	if strings.ContainsAny(e.path+e.host+origin, "\r\n") {
		return nil, Errorf(InvalidArgument, "a WebSocket path, host or origin with a line break")
	}
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	resp, err := http.ReadResponse(bufio.NewReader(io.LimitReader(r, maxHandshake)), nil)
	if err != nil {
		return nil, Errorf(Unavailable, "the WebSocket upgrade failed: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, Errorf(Unavailable, "the WebSocket upgrade was refused: HTTP %s", resp.Status)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, Errorf(Unavailable, "the WebSocket upgrade answer has a wrong Sec-WebSocket-Accept")
	}
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "" && p != wsSubprotocol {
		return nil, Errorf(Unavailable, "the gateway chose the WebSocket subprotocol %q", p)
	}
	return &wsTransport{conn: conn, r: r}, nil
}

func (t *wsTransport) close() error { return t.conn.Close() }

// goodbye closes the WebSocket after a GOAWAY: 1000, or 1008 for an error (docs/protocol.md 2.2).
func (t *wsTransport) goodbye(code Code) {
	status := 1000
	if code != OK {
		status = 1008
	}
	t.closeWith(status, "")
}

func (t *wsTransport) closeWith(status int, reason string) {
	var payload []byte
	if status != 1005 { // 1005 means "no status" and never goes on the wire
		payload = append(binary.BigEndian.AppendUint16(nil, uint16(status)), reason...)
	}
	_ = t.frame(opClose, payload)
}

func (t *wsTransport) write(p []byte) error { return t.frame(opBinary, p) }

// frame writes one final, masked frame (clients mask every frame).
func (t *wsTransport) frame(op byte, p []byte) error {
	head := make([]byte, 2, 14+len(p))
	head[0] = 0x80 | op
	switch n := len(p); {
	case n <= 125:
		head[1] = 0x80 | byte(n)
	case n <= 0xffff:
		head[1] = 0x80 | 126
		head = binary.BigEndian.AppendUint16(head, uint16(n))
	default:
		head[1] = 0x80 | 127
		head = binary.BigEndian.AppendUint64(head, uint64(n))
	}
	var mask [4]byte
	if _, err := rand.Read(mask[:]); err != nil {
		return err
	}
	head = append(head, mask[:]...)
	start := len(head)
	out := append(head, p...)
	for i := range out[start:] {
		out[start+i] ^= mask[i&3]
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_, err := t.conn.Write(out)
	return err
}

// read returns the next binary message, answering control frames on the way.
func (t *wsTransport) read(limit int) ([]byte, error) {
	var msg []byte
	started := false
	for {
		fin, op, n, err := t.header()
		if err != nil {
			return nil, err
		}
		if op >= opClose {
			if n > maxControl || !fin {
				return nil, t.fail(1002, "a control frame that is fragmented or over 125 bytes", InvalidArgument)
			}
			p := make([]byte, n)
			if _, err := io.ReadFull(t.r, p); err != nil {
				return nil, lostMidFrame(err)
			}
			switch op {
			case opPing:
				_ = t.frame(opPong, p)
			case opClose:
				return nil, t.peerClosed(p)
			case opPong:
			default:
				return nil, t.fail(1002, "a reserved opcode", InvalidArgument)
			}
			continue
		}
		switch {
		case op == opText:
			return nil, t.fail(1003, "text messages are not supported", InvalidArgument)
		case op == opContinuation && !started, op == opBinary && started, op != opBinary && op != opContinuation:
			return nil, t.fail(1002, "a frame out of sequence", InvalidArgument)
		}
		started = true
		if n > uint64(limit-len(msg)) {
			return nil, t.fail(1009, "message too big", ResourceExhausted)
		}
		start := len(msg)
		msg = append(msg, make([]byte, n)...)
		if _, err := io.ReadFull(t.r, msg[start:]); err != nil {
			return nil, lostMidFrame(err)
		}
		if fin {
			return msg, nil
		}
	}
}

func (t *wsTransport) header() (fin bool, op byte, n uint64, err error) {
	var h [2]byte
	if _, err = io.ReadFull(t.r, h[:]); err != nil {
		return
	}
	if h[0]&0x70 != 0 {
		err = t.fail(1002, "reserved bits set", InvalidArgument)
		return
	}
	if h[1]&0x80 != 0 {
		err = t.fail(1002, "a masked frame from the server", InvalidArgument)
		return
	}
	fin, op, n = h[0]&0x80 != 0, h[0]&0x0f, uint64(h[1]&0x7f)
	if n >= 126 {
		ext := make([]byte, 2+6*(n-126))
		if _, err = io.ReadFull(t.r, ext); err != nil {
			err = lostMidFrame(err)
			return
		}
		if n == 126 {
			n = uint64(binary.BigEndian.Uint16(ext))
		} else {
			n = binary.BigEndian.Uint64(ext)
		}
	}
	return
}

// fail closes the WebSocket with status and reports code (no GOAWAY: docs/protocol.md 2.2).
func (t *wsTransport) fail(status int, reason string, code Code) error {
	t.closeWith(status, reason)
	return &wsBroken{code, reason}
}

// wsBroken is a WebSocket-level violation by the peer; the close frame was already sent.
type wsBroken struct {
	code   Code
	reason string
}

func (e *wsBroken) Error() string { return "WebSocket: " + e.reason }

func (t *wsTransport) peerClosed(p []byte) error {
	c := &wsClosed{code: 1005}
	if len(p) >= 2 {
		c.code, c.reason = int(binary.BigEndian.Uint16(p)), string(p[2:])
	}
	t.closeWith(c.code, "")
	return c
}

// closeCode is what a peer's close code reports (docs/protocol.md 2.2).
func (e *wsClosed) statusCode() Code {
	switch e.code {
	case 1003:
		return InvalidArgument
	case 1009:
		return ResourceExhausted
	}
	return Unavailable
}

func lostMidFrame(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
