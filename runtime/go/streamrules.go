package graft

// The connection rules of streams (docs/protocol.md 5.5.5), part of protocolState: whether the
// feature is in effect and the credit of every stream in flight, both ways. incoming is what
// the peer may still send us on a call, outgoing what we may send. A client learns both when
// it sends the CALL; a gateway (only the test vectors play one) when it receives the CALL and
// accepts it as taking a client stream.

type streamRules struct {
	enabled  bool
	window   uint64 // a client stream's initial credit: the gateway HELLO's stream_window
	incoming map[uint64]uint64
	outgoing map[uint64]uint64
	ended    map[uint64]bool // client streams whose END has come (gateway side)
}

func newStreamRules() streamRules {
	return streamRules{window: defaultStreamWindow, incoming: map[uint64]uint64{},
		outgoing: map[uint64]uint64{}, ended: map[uint64]bool{}}
}

// hello applies the HELLO that settles the features: the gateway's, whichever side we are.
func (r *streamRules) hello(h helloMsg) {
	r.enabled = lists(h.Features, streamFeature)
	if h.StreamWindow > 0 {
		r.window = h.StreamWindow
	}
}

// callSent records our CALL: window for a streamed result, clientStream when it sends items.
func (r *streamRules) callSent(id uint64, window *uint64, clientStream bool) {
	if window != nil {
		r.incoming[id] = *window
	}
	if clientStream {
		r.outgoing[id] = r.window
	}
}

// accept records, on a gateway, that call id takes a client stream.
func (r *streamRules) accept(id uint64) { r.incoming[id] = r.window }

func (r *streamRules) itemSent(id uint64) {
	if n, ok := r.outgoing[id]; ok && n > 0 {
		r.outgoing[id] = n - 1
	}
}

func (r *streamRules) windowSent(id, n uint64) {
	if left, ok := r.incoming[id]; ok {
		r.incoming[id] = left + n
	}
}

// credit is what we may still send on call id.
func (r *streamRules) credit(id uint64) uint64 { return r.outgoing[id] }

func (r *streamRules) forget(id uint64) {
	delete(r.incoming, id)
	delete(r.outgoing, id)
	delete(r.ended, id)
}

// received checks an ITEM, END or WINDOW from the peer. ok=false: a race to ignore.
func (r *streamRules) received(m message, s *protocolState) (bool, error) {
	id := streamMsgID(m)
	name := kindNames[m.kind()]
	if !r.enabled {
		return false, &protoError{Unimplemented, sprintf("unknown message kind %s (the feature stream is not in effect)", name)}
	}
	if _, ok := s.inFlight[id]; !ok {
		if !s.client && id <= s.lastCallID {
			return false, nil // the call was answered already: what crossed the answer is ignored
		}
		return false, bad("%s for call %d, which is not in flight", name, id)
	}
	if w, ok := m.(windowMsg); ok {
		left, ok := r.outgoing[id]
		if !ok {
			return false, bad("WINDOW for call %d, which sends no stream", id)
		}
		if left+w.N > maxWindow {
			return false, bad("WINDOW for call %d raises its credit beyond 2**32-1", id)
		}
		r.outgoing[id] = left + w.N
		return true, nil
	}
	left, ok := r.incoming[id]
	switch {
	case !ok:
		return false, bad("%s for call %d, which has no stream to receive", name, id)
	case r.ended[id]:
		return false, bad("%s for call %d after its END", name, id)
	}
	if _, end := m.(endMsg); end {
		r.ended[id] = true
		return true, nil
	}
	if left == 0 {
		return false, exhausted("ITEM for call %d beyond its credit", id)
	}
	r.incoming[id] = left - 1
	return true, nil
}
