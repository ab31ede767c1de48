package graft

import (
	"context"
	"strings"
	"time"
)

func (c *clientCore) invoke(ctx context.Context, call Call) (any, error) {
	if call.Op > OpSet {
		return nil, Errorf(InvalidArgument, "unknown call op %d", call.Op)
	}
	if r := call.Instance; r != nil && r.conn != nil && r.conn != c.owner {
		return nil, instanceGone(*r)
	}
	metadata, err := checkMetadata(c.metadata, call.Metadata, "Call.Metadata")
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok && c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	select { // the gateway's max_concurrent_calls: wait for a slot rather than exceed it
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return nil, fromContext(ctx, "the call")
	}
	deadline, hasDeadline := ctx.Deadline()
	ch := make(chan answer, 1)
	var sc *streamCall
	if call.Input != nil {
		sc = c.newStreamCall(ctx, 0)
	}
	id, err := c.start(ctx, call, metadata, ch, sc)
	if err != nil {
		return nil, err
	}
	if sc != nil {
		go c.pump(sc, call.Input)
	}
	select {
	case a := <-ch:
		return c.outcome(a, deadline, hasDeadline)
	case <-ctx.Done():
		c.giveUp(id)
		return nil, fromContext(ctx, "the call")
	}
}

// start registers the call and writes its CALL. Ids are taken and written under wmu, so they
// reach the wire in increasing order whatever the goroutines do.
func (c *clientCore) start(ctx context.Context, call Call, metadata map[string]string, ch chan answer, sc *streamCall) (uint64, error) {
	m := callMsg{
		Op: call.Op, Target: call.Target, Member: call.Member, Instance: call.Instance,
		Args: call.Args, Kwargs: call.Kwargs,
	}
	if m.Kwargs == nil {
		m.Kwargs = Map{}
	}
	if len(metadata) > 0 {
		m.Metadata = metadata
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if d, ok := ctx.Deadline(); ok {
		left := time.Until(d)
		if left <= 0 {
			return 0, &Error{Code: DeadlineExceeded, Message: "the call did not finish before its deadline", RetrySafe: true, cause: context.DeadlineExceeded}
		}
		ms := uint64(min(left, maxTimeout) / time.Millisecond)
		m.TimeoutMS = &ms
	}
	c.mu.Lock()
	if c.failure != nil {
		c.mu.Unlock()
		return 0, notSent(c.failure)
	}
	m.ID = c.nextID
	c.nextID++
	c.waiters[m.ID] = ch
	c.state.inFlight[m.ID] = struct{}{}
	if sc != nil {
		if !c.state.streams.enabled {
			delete(c.waiters, m.ID)
			delete(c.state.inFlight, m.ID)
			c.mu.Unlock()
			return 0, &Error{Code: FailedPrecondition, RetrySafe: true, Message: c.url + ": the gateway does not support streams (feature stream)"}
		}
		if sc.window > 0 {
			m.Window = &sc.window
		}
		sc.id = m.ID
		c.streams[m.ID] = sc
		c.state.streams.callSent(m.ID, m.Window, call.Input != nil)
	}
	c.mu.Unlock()
	p, err := encodeMessage(m, c.peer, c.owner)
	if err != nil {
		c.mu.Lock()
		delete(c.waiters, m.ID)
		delete(c.state.inFlight, m.ID)
		c.state.streams.forget(m.ID)
		c.endStream(m.ID)
		c.mu.Unlock()
		return 0, err
	}
	if err := c.t.write(p); err != nil {
		c.fail(c.readError(err, false)) // ch gets the failure: the call may or may not have gone out
		c.t.close()
	}
	return m.ID, nil
}

// giveUp forgets a call whose caller stopped waiting, and CANCELs it if the gateway may still
// run it (the gateway still answers; the answer is dropped).
func (c *clientCore) giveUp(id uint64) {
	c.mu.Lock()
	_, waiting := c.waiters[id] // else given up already: one CANCEL is enough
	delete(c.waiters, id)
	c.endStream(id)
	_, running := c.state.inFlight[id]
	running = running && waiting && c.state.phase != closed
	c.mu.Unlock()
	if running {
		go func() { _ = c.send(cancelMsg{id}) }()
	}
}

// outcome is an answer as the caller sees it.
func (c *clientCore) outcome(a answer, deadline time.Time, hasDeadline bool) (any, error) {
	if a.err != nil {
		return nil, a.err
	}
	switch x := a.msg.(type) {
	case resultMsg:
		return x.Value, nil
	case errorMsg:
		if x.Code == Cancelled && hasDeadline && !time.Now().Before(deadline) {
			// the gateway stopped it because our deadline passed (docs/protocol.md 5.2)
			return nil, &Error{Code: DeadlineExceeded, Message: "the call did not finish before its deadline"}
		}
		e := &Error{Code: x.Code, Message: x.Message}
		if x.TypeName != nil {
			e.Type = *x.TypeName
		}
		if x.Traceback != nil {
			e.Traceback = *x.Traceback
		}
		e.Fields, _ = x.Fields.(map[string]any)
		return nil, e
	}
	return nil, Errorf(Internal, "unexpected answer %T", a.msg)
}

// checkMetadata is base overridden by extra, keys lowercased and checked (docs/protocol.md
// 5.3): ASCII letters (sent lowercase), digits, '-', '_', '.'; no "graft-" prefix.
func checkMetadata(base, extra map[string]string, where string) (map[string]string, error) {
	if len(extra) == 0 {
		return base, nil
	}
	out := make(map[string]string, len(base)+len(extra))
	for k, v := range base {
		out[k] = v
	}
	given := map[string]string{}
	for k, v := range extra {
		lower := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, k)
		if other, dup := given[lower]; dup {
			return nil, Errorf(InvalidArgument, "%s: keys %q and %q differ only in case (metadata keys are sent lowercase): give one of them", where, other, k)
		}
		given[lower] = k
		if lower == "" || strings.IndexFunc(lower, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
		}) >= 0 {
			return nil, Errorf(InvalidArgument, "%s: key %q: use ASCII letters (sent lowercase), digits, '-', '_' and '.'", where, k)
		}
		if strings.HasPrefix(lower, "graft-") {
			return nil, Errorf(InvalidArgument, "%s: key %q: keys starting with graft- are reserved", where, k)
		}
		out[lower] = v
	}
	return out, nil
}

// notSent is a connection's failure as a call that was never sent reports it: safe to retry.
func notSent(failure *Error) *Error {
	e := *failure
	e.RetrySafe = true
	return &e
}
