package graft

import (
	"context"
	"log"
	"sync"
)

// ChannelConfig is what a generated package knows about its module.
type ChannelConfig struct {
	Module  string   // the graft module's name: HELLO module and the GRAFT_<MODULE>_ prefix
	Version string   // the module version the package was generated from
	Schema  string   // the schema hash the package was generated from
	Code    Settings // settings given in code (highest level)
	Default Settings // the default baked in when the package was generated (lowest level)
}

// Channel is a lazily connecting, reconnecting client of one module: what generated
// packages hold. It resolves its settings on first use, connects on the first call within
// that call's context, and after a lost connection the next call opens a new one. Calls in
// flight on a lost connection fail with UNAVAILABLE and are not retried; InstanceRefs from an
// old connection fail with NOT_FOUND. Safe for concurrent use.
type Channel struct {
	cfg ChannelConfig

	mu       sync.Mutex
	resolved *Resolved
	conn     *Conn
	dialing  chan struct{} // closed when the dial in progress ends
	closed   bool
	warned   sync.Once
}

// NewChannel makes a channel; nothing is resolved or connected until the first call.
func NewChannel(cfg ChannelConfig) *Channel { return &Channel{cfg: cfg} }

// Invoke makes one call on the current connection, connecting first if there is none.
func (ch *Channel) Invoke(ctx context.Context, call Call) (any, error) {
	return ch.invoke(ctx, call)
}

// Release releases instances on the connection that made them (no-op for references of a
// connection that is gone: the gateway released them with it).
func (ch *Channel) Release(refs ...InstanceRef) error { return ch.release(refs) }

// Settings are the resolved settings (resolving them on first use).
func (ch *Channel) Settings() (Resolved, error) { return ch.settings() }

// Close closes the connection; the channel stays closed (calls fail with UNAVAILABLE).
func (ch *Channel) Close() error { return ch.close() }

var errChannelClosed = &Error{Code: Unavailable, Message: "the channel was closed by its owner", RetrySafe: true}

func (ch *Channel) settings() (Resolved, error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.resolved == nil {
		r, err := Resolve(ch.cfg.Module, ch.cfg.Code, ch.cfg.Default)
		if err != nil {
			return Resolved{}, err
		}
		ch.resolved = &r
	}
	return *ch.resolved, nil
}

func (ch *Channel) invoke(ctx context.Context, call Call) (any, error) {
	conn, err := ch.connection(ctx)
	if err != nil {
		return nil, err
	}
	return conn.Invoke(ctx, call)
}

// connection is the open connection, dialling one (within ctx) when there is none or the
// last one was lost. Concurrent first calls share one dial.
func (ch *Channel) connection(ctx context.Context) (*Conn, error) {
	r, err := ch.settings()
	if err != nil {
		return nil, err
	}
	for {
		ch.mu.Lock()
		if ch.closed {
			ch.mu.Unlock()
			return nil, errChannelClosed
		}
		if ch.conn != nil && ch.conn.Err() == nil {
			c := ch.conn
			ch.mu.Unlock()
			return c, nil
		}
		if wait := ch.dialing; wait != nil {
			ch.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, fromContext(ctx, "the call (still connecting to "+redactURL(r.URL)+")")
			}
		}
		done := make(chan struct{})
		ch.dialing = done
		ch.mu.Unlock()
		c, err := ch.dial(ctx, r)
		ch.mu.Lock()
		ch.dialing = nil
		close(done)
		if err == nil && ch.closed {
			defer c.Close()
			c, err = nil, errChannelClosed
		}
		if err == nil {
			ch.conn = c
		}
		ch.mu.Unlock()
		return c, err
	}
}

func (ch *Channel) dial(ctx context.Context, r Resolved) (*Conn, error) {
	opts, err := r.Options()
	if err != nil {
		return nil, err
	}
	opts.Schema, opts.Version = ch.cfg.Schema, ch.cfg.Version
	opts.OnWarning = ch.warnOnce
	return Dial(ctx, r.URL, opts)
}

// warnOnce passes a warning on once per channel: every reconnect would repeat it.
func (ch *Channel) warnOnce(message string) {
	ch.warned.Do(func() { log.Print(message) })
}

func (ch *Channel) release(refs []InstanceRef) error {
	ch.mu.Lock()
	current := ch.conn
	ch.mu.Unlock()
	var firstErr error
	for _, r := range refs {
		c := r.conn
		if c == nil {
			c = current
		}
		if c == nil {
			continue
		}
		if err := c.Release(r); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

func (ch *Channel) close() error {
	ch.mu.Lock()
	c := ch.conn
	ch.closed, ch.conn = true, nil
	ch.mu.Unlock()
	if c != nil {
		return c.Close()
	}
	return nil
}
