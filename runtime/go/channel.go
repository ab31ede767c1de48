package graft

import (
	"context"
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
