package graft

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"time"
)

// The client side of one connection: the call table (ids, waiters, deadlines into
// timeout_ms, answers into values or errors, GOAWAY, PING) and its one reading goroutine.

const (
	agent = "graftcode-go/0.1.0"
	// Longer timeouts are sent as a year (docs/protocol.md 5.2).
	maxTimeout = 366 * 24 * time.Hour
)

type answer struct {
	msg message
	err *Error
}

type clientCore struct {
	owner    *Conn
	t        transport
	url      string // for messages; never holds credentials
	mine     Limits // what we accept
	peer     Limits // what the gateway accepts
	server   ServerInfo
	opts     Options
	metadata map[string]string // checked defaults
	slots    chan struct{}     // the gateway's max_concurrent_calls: calls queue here

	wmu sync.Mutex // serializes writes, and CALL ids with them (ids must increase on the wire)

	mu       sync.Mutex
	state    *protocolState
	nextID   uint64
	nextPing uint64
	waiters  map[uint64]chan answer // call id -> its caller
	streams  map[uint64]*streamCall // the streaming calls among them
	pings    map[uint64]chan answer
	failure  *Error // why no new call may start (lost, closed, GOAWAY)
	done     chan struct{}
}

func dial(ctx context.Context, rawURL string, opts Options) (*Conn, error) {
	e, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	metadata, err := checkMetadata(nil, opts.Metadata, "Options.Metadata")
	if err != nil {
		return nil, err
	}
	mine := DefaultLimits()
	if opts.MaxMessageSize > 0 {
		mine.MaxMessageSize = max(minMessageSize, min(opts.MaxMessageSize, maxFrame))
	}
	where := redactURL(rawURL)
	dctx, cancel := ctx, context.CancelFunc(func() {})
	if opts.ConnectTimeout > 0 {
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > opts.ConnectTimeout {
			dctx, cancel = context.WithTimeout(ctx, opts.ConnectTimeout)
		}
	}
	defer cancel()
	connectFailed := func(err error) error {
		var ge *Error
		switch {
		case ctx.Err() != nil:
			return fromContext(ctx, "the call (still connecting to "+where+")")
		case dctx.Err() != nil:
			return &Error{Code: Unavailable, Message: sprintf("%s: connecting timed out after %s", where, opts.ConnectTimeout), cause: dctx.Err()}
		case errors.As(err, &ge):
			return ge
		}
		return &Error{Code: Unavailable, Message: sprintf("cannot connect to %s: %v", where, err), RetrySafe: true, cause: err}
	}
	t, err := openTransport(dctx, e, &opts)
	if err != nil {
		return nil, connectFailed(err)
	}
	c := &Conn{}
	core := &clientCore{
		owner: c, t: t, url: where, mine: mine, peer: handshakeLimits, opts: opts, metadata: metadata,
		state: newProtocolState(true), nextID: 1, waiters: map[uint64]chan answer{}, streams: map[uint64]*streamCall{},
		pings: map[uint64]chan answer{}, done: make(chan struct{}),
	}
	c.core = core
	stop := context.AfterFunc(dctx, func() { t.close() })
	err = core.handshake()
	if !stop() {
		t.close()
		return nil, connectFailed(dctx.Err())
	}
	if err != nil {
		t.close()
		return nil, connectFailed(err)
	}
	go core.readLoop()
	return c, nil
}

func (c *clientCore) handshake() error {
	var auth any
	if c.opts.Token != "" {
		auth = c.opts.Token
	}
	hello := helloMsg{
		Major: versionMajor, Minor: versionMinor, Module: c.opts.Module, Version: c.opts.Version,
		Schema: c.opts.Schema, Limits: c.mine, Features: []string{streamFeature}, Auth: auth, Agent: agent,
	}
	payload, err := encodeMessage(hello, handshakeLimits, nil)
	if err != nil {
		return err
	}
	if err := c.t.write(payload); err != nil {
		return err
	}
	c.state.sentHello = true
	p, err := c.t.read(c.mine.MaxMessageSize)
	var m message
	if err == nil {
		m, err = decodeMessage(p, c.mine, c.owner, false)
	}
	if err == nil {
		_, err = c.state.received(m)
	}
	if err != nil {
		c.answerViolation(err)
		return c.readError(err, true)
	}
	switch x := m.(type) {
	case goAwayMsg: // the gateway refused us (docs/protocol.md 4.1.1, step 6)
		return &Error{Code: x.Code, Message: x.Message}
	case helloMsg:
		c.peer = x.Limits
		c.server = ServerInfo{x.Module, x.Version, x.Schema, x.Modules, x.Limits, x.Debug, x.Agent}
		c.slots = make(chan struct{}, x.Limits.MaxConcurrentCalls)
		if c.opts.Schema != "" && x.Schema != "" && x.Schema != c.opts.Schema {
			warn := c.opts.OnWarning
			if warn == nil {
				warn = func(m string) { log.Print(m) }
			}
			warn(sprintf("graftcode: the gateway's %s (version %s) has another schema than this client "+
				"(version %s); compatible changes keep working", x.Module, x.Version, c.opts.Version))
		}
	}
	return nil
}

// readError turns what ended reading (or writing) into the error callers see.
func (c *clientCore) readError(err error, handshaking bool) *Error {
	var pe *protoError
	var wb *wsBroken
	var wc *wsClosed
	switch {
	case errors.As(err, &pe):
		return &Error{Code: pe.code, Message: "the gateway broke the protocol: " + pe.message}
	case errors.As(err, &wb):
		return &Error{Code: wb.code, Message: "the gateway broke the WebSocket protocol: " + wb.reason}
	case errors.As(err, &wc):
		return &Error{Code: wc.statusCode(), Message: sprintf("%s: %v", c.url, wc), cause: err}
	case errors.Is(err, io.EOF) && handshaking:
		return &Error{Code: Unavailable, Message: c.url + ": the gateway closed the connection during the handshake", cause: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return &Error{Code: Unavailable, Message: "the connection to " + c.url + " was lost", cause: err}
	}
	return &Error{Code: Unavailable, Message: sprintf("the connection to %s was lost: %v", c.url, err), cause: err}
}

func (c *clientCore) readLoop() {
	defer close(c.done)
	for {
		p, err := c.t.read(c.mine.MaxMessageSize)
		var m message
		if err == nil {
			m, err = decodeMessage(p, c.mine, c.owner, false)
		}
		var ok bool
		if err == nil {
			c.mu.Lock()
			ok, err = c.state.received(m)
			if err == nil && ok {
				err = c.route(m)
			}
			c.mu.Unlock()
		}
		if err != nil {
			c.fail(c.readError(err, false))
			// the reader must not wait for writers (they may wait for the gateway, which may
			// wait for us to read): the GOAWAY goes out from its own goroutine
			go func() {
				c.answerViolation(err)
				c.t.close()
			}()
			time.AfterFunc(5*time.Second, func() { c.t.close() })
			return
		}
	}
}

// answerViolation sends the GOAWAY that answers a protocol violation by the gateway
// (docs/protocol.md 9), then the transport's goodbye; other errors need no answer.
func (c *clientCore) answerViolation(err error) {
	var pe *protoError
	if !errors.As(err, &pe) {
		return
	}
	c.mu.Lock()
	last := c.nextID - 1
	c.mu.Unlock()
	if p, e := encodeMessage(goAwayMsg{last, pe.code, pe.message}, handshakeLimits, nil); e == nil {
		c.wmu.Lock()
		defer c.wmu.Unlock()
		_ = c.t.write(p)
		c.t.goodbye(pe.code)
	}
}

// route hands a received message to whom it concerns; called with mu held. A PONG's write
// goes through wmu, which is never taken while holding mu, so it is sent from a goroutine.
func (c *clientCore) route(m message) error {
	switch x := m.(type) {
	case resultMsg, errorMsg:
		id := answerID(m)
		if ch, ok := c.waiters[id]; ok { // else its caller gave up: drop the answer
			delete(c.waiters, id)
			ch <- answer{msg: m}
		}
		c.endStream(id)
		c.closeIfDrained()
	case itemMsg, windowMsg:
		c.routeStream(m)
	case pongMsg:
		if ch, ok := c.pings[x.Opaque]; ok {
			delete(c.pings, x.Opaque)
			ch <- answer{msg: m}
		}
	case pingMsg:
		go func() { _ = c.send(pongMsg{x.Opaque}) }()
	case goAwayMsg:
		c.goAway(x)
	}
	return nil
}

// goAway applies the gateway's GOAWAY (docs/protocol.md 4.8); called with mu held.
func (c *clientCore) goAway(g goAwayMsg) {
	if g.Code != OK {
		c.failLocked(&Error{Code: g.Code, Message: "the gateway closed the connection: " + g.Message})
		go c.t.close()
		return
	}
	gone := &Error{Code: Unavailable, RetrySafe: true, Message: "the gateway is going away (" + g.Message + "); the call was not run"}
	if c.failure == nil {
		c.failure = gone
	}
	for id, ch := range c.waiters {
		if id > g.LastID {
			delete(c.waiters, id)
			ch <- answer{err: gone}
			c.endStream(id)
		}
	}
	c.closeIfDrained()
}

// closeIfDrained closes the transport once a GOAWAY'd connection has no call in flight.
func (c *clientCore) closeIfDrained() {
	if c.state.phase == closing && len(c.state.inFlight) == 0 {
		go c.t.close()
	}
}

func (c *clientCore) fail(err *Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failLocked(err)
}

// failLocked fails every waiter with err. The first failure stays the connection's: what a
// new call is refused with (after a graceful GOAWAY, a retry-safe UNAVAILABLE).
func (c *clientCore) failLocked(err *Error) {
	if c.failure == nil {
		c.failure = err
	}
	c.state.phase = closed
	for id, ch := range c.waiters {
		delete(c.waiters, id)
		ch <- answer{err: err}
	}
	for id := range c.streams {
		c.endStream(id)
	}
	for id, ch := range c.pings {
		delete(c.pings, id)
		ch <- answer{err: err}
	}
}

func (c *clientCore) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failure != nil {
		return c.failure
	}
	return nil
}

// send writes one message that needs no waiter.
func (c *clientCore) send(m message) error {
	p, err := encodeMessage(m, c.peer, c.owner)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.t.write(p)
}

func (c *clientCore) close() error {
	c.mu.Lock()
	last, open := c.nextID-1, c.failure == nil
	c.mu.Unlock()
	if open {
		said := make(chan struct{})
		go func() {
			defer close(said)
			_ = c.send(goAwayMsg{last, OK, "client closing"})
			c.wmu.Lock()
			c.t.goodbye(OK)
			c.wmu.Unlock()
		}()
		select { // a goodbye stuck behind a full socket must not hold Close up
		case <-said:
		case <-time.After(time.Second):
		}
	}
	c.fail(&Error{Code: Unavailable, Message: "the connection was closed by the client"})
	c.t.close()
	<-c.done
	return nil
}

func (c *clientCore) release(refs []InstanceRef) error {
	var ids []uint64
	for _, r := range refs {
		if r.conn == nil || r.conn == c.owner {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 || c.err() != nil {
		return nil // the gateway released them with their connection
	}
	return c.send(releaseMsg{ids})
}

func (c *clientCore) ping(ctx context.Context) error {
	ch := make(chan answer, 1)
	c.wmu.Lock()
	c.mu.Lock()
	if c.failure != nil {
		c.mu.Unlock()
		c.wmu.Unlock()
		return c.failure
	}
	c.nextPing++
	opaque := c.nextPing
	c.pings[opaque] = ch
	c.mu.Unlock()
	err := c.writeLocked(pingMsg{opaque})
	c.wmu.Unlock()
	if err != nil {
		return err
	}
	select {
	case a := <-ch:
		if a.err != nil {
			return a.err
		}
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pings, opaque)
		c.mu.Unlock()
		return fromContext(ctx, "the ping")
	}
}

// writeLocked encodes and writes m with wmu held; a failed write loses the connection.
func (c *clientCore) writeLocked(m message) error {
	p, err := encodeMessage(m, c.peer, c.owner)
	if err != nil {
		return err
	}
	if err := c.t.write(p); err != nil {
		c.fail(c.readError(err, false))
		c.t.close()
	}
	return nil
}
