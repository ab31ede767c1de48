package graft

import (
	"context"
	"sync"
)

// The call-table side of streams (docs/protocol.md 5.5): a streaming call is a call whose
// waiter also has an item queue and the credit. The reader never blocks on a queue: it holds
// at most the credit granted, and credit is granted back only for items taken.

// defaultWindow is the credit a streamed result starts with (as in the Python client).
const defaultWindow = 64

type streamCall struct {
	core   *clientCore
	id     uint64
	ctx    context.Context
	window uint64        // the result's initial credit; 0 for a unary result
	items  chan any      // the result's items, at most window of them
	credit chan struct{} // a WINDOW for the client stream came
	ended  chan struct{} // closed once the call is answered or given up
	once   sync.Once
}

func (c *clientCore) newStreamCall(ctx context.Context, window uint64) *streamCall {
	return &streamCall{core: c, ctx: ctx, window: window, items: make(chan any, window),
		credit: make(chan struct{}, 1), ended: make(chan struct{})}
}

// endStream stops feeding and pumping call id; called with mu held.
func (c *clientCore) endStream(id uint64) {
	if sc, ok := c.streams[id]; ok {
		delete(c.streams, id)
		sc.once.Do(func() { close(sc.ended) })
	}
}

// routeStream hands an ITEM to its queue and a WINDOW to its pump; called with mu held. The
// rules have checked the credit, so the queue has room; a call given up drops them.
func (c *clientCore) routeStream(m message) {
	sc, ok := c.streams[streamMsgID(m)]
	if !ok {
		return
	}
	if it, isItem := m.(itemMsg); isItem {
		select {
		case sc.items <- it.Value:
		default:
		}
		return
	}
	select {
	case sc.credit <- struct{}{}:
	default:
	}
}

// sendStream writes an ITEM, END or WINDOW of a call still in flight, keeping the credit.
func (c *clientCore) sendStream(m message) error {
	p, err := encodeMessage(m, c.peer, c.owner)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	id := streamMsgID(m)
	c.mu.Lock()
	_, live := c.streams[id]
	if live {
		switch x := m.(type) {
		case itemMsg:
			c.state.streams.itemSent(id)
		case windowMsg:
			c.state.streams.windowSent(id, x.N)
		}
	}
	c.mu.Unlock()
	if !live {
		return nil // answered or given up meanwhile: nothing more to say about it
	}
	if err := c.t.write(p); err != nil {
		c.fail(c.readError(err, false))
		c.t.close()
	}
	return nil
}

// pump sends the client stream: one ITEM per value while the gateway's credit lasts (waiting
// for its WINDOW before pulling the next value), then END. It stops, without END, once the
// call is answered or given up; a value that cannot be sent fails the call with that error.
func (c *clientCore) pump(sc *streamCall, input func(yield func(any) bool)) {
	stopped := false
	input(func(v any) bool {
		for {
			c.mu.Lock()
			credit := c.state.streams.credit(sc.id)
			c.mu.Unlock()
			if credit > 0 {
				break
			}
			select {
			case <-sc.credit:
			case <-sc.ended:
				stopped = true
				return false
			}
		}
		if err := c.sendStream(itemMsg{sc.id, v}); err != nil {
			c.abandon(sc.id, err)
			stopped = true
			return false
		}
		return true
	})
	if !stopped {
		_ = c.sendStream(endMsg{sc.id})
	}
}

// abandon fails call id with err on our side and CANCELs it.
func (c *clientCore) abandon(id uint64, err error) {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{Code: Internal, Message: err.Error(), cause: err}
	}
	c.mu.Lock()
	ch, waiting := c.waiters[id]
	c.mu.Unlock()
	c.giveUp(id)
	if waiting {
		select { // unless the gateway's answer got there first
		case ch <- answer{err: e}:
		default:
		}
	}
}

// openStream starts a call whose result is a stream (with call.Input: bidirectional).
func (c *clientCore) openStream(ctx context.Context, call Call) (*streamCall, chan answer, func(), error) {
	if r := call.Instance; r != nil && r.conn != nil && r.conn != c.owner {
		return nil, nil, nil, instanceGone(*r)
	}
	metadata, err := checkMetadata(c.metadata, call.Metadata, "Call.Metadata")
	if err != nil {
		return nil, nil, nil, err
	}
	release := func() {}
	if _, ok := ctx.Deadline(); !ok && c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		release = cancel
	}
	select {
	case c.slots <- struct{}{}:
		prev := release
		release = func() { <-c.slots; prev() }
	case <-ctx.Done():
		release()
		return nil, nil, nil, fromContext(ctx, "the call")
	}
	sc := c.newStreamCall(ctx, defaultWindow)
	ch := make(chan answer, 1)
	if _, err := c.start(ctx, call, metadata, ch, sc); err != nil {
		release()
		return nil, nil, nil, err
	}
	if call.Input != nil {
		go c.pump(sc, call.Input)
	}
	// the context ending cancels the call at once, even while nobody is calling Next
	unwatch := context.AfterFunc(ctx, func() { c.giveUp(sc.id) })
	prev := release
	release = func() { unwatch(); prev() }
	return sc, ch, release, nil
}

// streamSource is a streaming call as Stream reads it.
type streamSource struct {
	sc       *streamCall
	answers  chan answer
	release  func()
	final    *answer
	taken    uint64
	closeOne sync.Once
}

// next is the next item, or ok=false and how the stream ended (nil: normally).
func (s *streamSource) next() (v any, ok bool, err error) {
	if s.final == nil && s.sc.ctx.Err() != nil { // cancelled: the queued items are not wanted
		s.giveUp()
	}
	select { // the items that came before the answer go first
	case v := <-s.sc.items:
		s.took()
		return v, true, nil
	default:
	}
	if s.final == nil {
		select {
		case v := <-s.sc.items:
			s.took()
			return v, true, nil
		case a := <-s.answers:
			s.final = &a
			// one reader routes in order: every item sent before the answer is queued now
			select {
			case v := <-s.sc.items:
				return v, true, nil
			default:
			}
		case <-s.sc.ctx.Done():
			s.giveUp()
		}
	}
	deadline, has := s.sc.ctx.Deadline()
	_, err = s.sc.core.outcome(*s.final, deadline, has)
	return nil, false, err
}

// giveUp ends the stream with its context's error, dropping the items not taken.
func (s *streamSource) giveUp() {
	s.sc.core.giveUp(s.sc.id)
	for len(s.sc.items) > 0 {
		<-s.sc.items
	}
	a := answer{err: fromContext(s.sc.ctx, "the stream")}
	s.final = &a
}

// took grants back what the caller has taken, once half the window is used.
func (s *streamSource) took() {
	s.taken++
	if s.final == nil && s.taken*2 >= s.sc.window {
		_ = s.sc.core.sendStream(windowMsg{s.sc.id, s.taken})
		s.taken = 0
	}
}

// close cancels the call if it is still running, and frees its slot. Idempotent.
func (s *streamSource) close() {
	s.closeOne.Do(func() {
		if s.final == nil {
			s.sc.core.giveUp(s.sc.id)
		}
		s.release()
	})
}
