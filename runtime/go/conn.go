package graft

import (
	"context"
	"crypto/tls"
	"time"
)

// Options are what Dial connects with. The zero value is a dynamic client of the gateway's
// default module with no deadline of its own.
type Options struct {
	Module  string // the hosted module ("" is the gateway's default module)
	Schema  string // the UGM schema hash the caller was generated from ("" when dynamic)
	Version string // the module version the caller was generated from (informational)
	Token   string // sent as HELLO auth when not ""; never logged or put in an error

	// Timeout bounds each call whose context has no deadline (0: none).
	Timeout time.Duration
	// ConnectTimeout bounds connecting (socket, TLS, WebSocket upgrade and HELLO) when the
	// context allows longer (0: only the context bounds it).
	ConnectTimeout time.Duration
	// Metadata is sent with every call; a Call's Metadata overrides it key by key.
	Metadata map[string]string
	// TLS is used by tls:// and wss:// URLs (nil: the system roots, the URL's host name).
	TLS *tls.Config
	// Origin is the WebSocket Origin header ("" sends none).
	Origin string
	// MaxMessageSize is the largest message this client accepts (0: 4 MiB).
	MaxMessageSize int
	// OnWarning gets what the caller should know but that fails nothing: the gateway's
	// schema differs from Schema (compatible changes keep working). nil: the standard logger.
	OnWarning func(message string)
}

// ServerInfo is what the gateway said in its HELLO.
type ServerInfo struct {
	Module, Version, Schema string
	Modules                 []string
	Limits                  Limits
	Debug                   bool
	Agent                   string
}

// Conn is one open connection to a gateway. It is safe for concurrent use by many
// goroutines: calls are multiplexed, answered in any order, and one goroutine reads.
// A Conn does not reconnect; a Channel does.
type Conn struct {
	core *clientCore
}

// Dial connects to url (tcp://, tls://, tcp+tls://, ws://, wss://) and completes the
// handshake within ctx. A GOAWAY instead of HELLO is returned as an *Error with its code.
func Dial(ctx context.Context, url string, opts Options) (*Conn, error) {
	return dial(ctx, url, opts)
}

// Invoke makes one call and waits for its answer. The context's deadline is sent as the
// call's timeout_ms and enforced here too; when the context ends first, a CANCEL is sent and
// Invoke returns an *Error with DEADLINE_EXCEEDED or CANCELLED at once. Application errors
// come back as *Error with Type and Fields set.
func (c *Conn) Invoke(ctx context.Context, call Call) (any, error) {
	return c.core.invoke(ctx, call)
}

// Release tells the gateway these instances are no longer used. References that belong to
// another connection are skipped (that connection's instances died with it).
func (c *Conn) Release(refs ...InstanceRef) error {
	return c.core.release(refs)
}

// Ping sends a PING and waits for its PONG.
func (c *Conn) Ping(ctx context.Context) error {
	return c.core.ping(ctx)
}

// Server is the gateway's HELLO.
func (c *Conn) Server() ServerInfo { return c.core.server }

// Err is nil while the connection can take new calls, else why it cannot (lost, closed, or
// told to go away by a GOAWAY).
func (c *Conn) Err() error { return c.core.err() }

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.core.done }

// Close sends GOAWAY, fails the calls still waiting with UNAVAILABLE and closes the
// transport.
func (c *Conn) Close() error { return c.core.close() }
