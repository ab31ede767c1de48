package graft

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"strings"
)

// transport carries whole messages: length-prefixed frames on a byte stream (TCP, TLS), or
// one binary WebSocket message each.
type transport interface {
	// read returns the next payload; a *protoError when the peer broke the framing.
	read(limit int) ([]byte, error)
	// write sends one payload; calls are serialized by the caller.
	write(payload []byte) error
	// goodbye is what the transport sends after a GOAWAY of this code, before closing.
	goodbye(code Code)
	close() error
}

type streamTransport struct {
	conn net.Conn
	r    *bufio.Reader
}

func (t *streamTransport) read(limit int) ([]byte, error) { return readFrame(t.r, limit) }
func (t *streamTransport) write(p []byte) error {
	_, err := t.conn.Write(frame(p))
	return err
}
func (t *streamTransport) goodbye(Code) {}
func (t *streamTransport) close() error { return t.conn.Close() }

// endpoint is a parsed gateway URL.
type endpoint struct {
	scheme string // tcp, tls, ws or wss
	host   string // host:port
	path   string // WebSocket request path
}

func parseURL(raw string) (endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return endpoint{}, Errorf(InvalidArgument, "not a gateway URL: %q (expected tcp://host:port, tls://, ws:// or wss://)", redactURL(raw))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "tcp+tls" {
		scheme = "tls"
	}
	e := endpoint{scheme: scheme, host: u.Host, path: u.RequestURI()}
	switch scheme {
	case "tcp", "tls":
		if u.Port() == "" {
			return endpoint{}, Errorf(InvalidArgument, "%s: the URL needs a port", redactURL(raw))
		}
	case "ws", "wss":
		if u.Port() == "" {
			e.host = net.JoinHostPort(u.Hostname(), map[string]string{"ws": "80", "wss": "443"}[scheme])
		}
	default:
		return endpoint{}, Errorf(InvalidArgument, "%s: unsupported scheme %q (tcp, tls, tcp+tls, ws, wss)", redactURL(raw), u.Scheme)
	}
	return e, nil
}

// redactURL drops a URL's user information (a password must never reach an error message).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.Index(raw, "@"); err != nil && i >= 0 {
			return "<url with credentials>"
		}
		return raw
	}
	u.User = nil
	return u.String()
}

// openTransport connects the socket, TLS and WebSocket layers within ctx.
func openTransport(ctx context.Context, e endpoint, opts *Options) (transport, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", e.host)
	if err != nil {
		return nil, err
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	conn := raw
	if e.scheme == "tls" || e.scheme == "wss" {
		cfg := &tls.Config{}
		if opts.TLS != nil {
			cfg = opts.TLS.Clone()
		}
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(e.host)
			cfg.ServerName = host
		}
		tc := tls.Client(raw, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		conn = tc
	}
	if e.scheme == "ws" || e.scheme == "wss" {
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		ws, err := wsHandshake(conn, e, opts.Origin)
		if !stop() {
			conn.Close()
			return nil, ctx.Err()
		}
		if err != nil {
			conn.Close()
			return nil, err
		}
		return ws, nil
	}
	return &streamTransport{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}, nil
}
