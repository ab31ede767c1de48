package graft

import (
	"encoding/binary"
	"errors"
	"io"
)

// The rules of one connection that are not I/O (docs/protocol.md 4, 5 and 9), in the style of
// the Python core: received messages go through protocolState.received, which says what to
// do with them or returns the protocol error to answer with GOAWAY.

type phase int

const (
	handshake phase = iota
	open
	closing // a graceful GOAWAY went one way or the other; answers still flow
	closed
)

type protocolState struct {
	client     bool
	phase      phase
	sentHello  bool
	theirHello *helloMsg
	inFlight   map[uint64]struct{} // calls sent (client) or accepted (server), not answered
	lastCallID uint64
	goaway     *goAwayMsg // received
	streams    streamRules
}

func newProtocolState(client bool) *protocolState {
	return &protocolState{client: client, inFlight: map[uint64]struct{}{}, streams: newStreamRules()}
}

// received applies a received message. ok=false means drop it silently.
func (s *protocolState) received(m message) (ok bool, err error) {
	if s.phase == handshake {
		if g, isGoAway := m.(goAwayMsg); isGoAway && s.client {
			s.goaway, s.phase = &g, closed
			return true, nil
		}
		h, isHello := m.(helloMsg)
		if !isHello || s.theirHello != nil || (s.client && !s.sentHello) {
			return false, &protoError{FailedPrecondition, "expected HELLO, got " + kindNames[m.kind()]}
		}
		s.theirHello = &h
		if s.client {
			s.phase = open
			s.streams.hello(h)
		}
		return true, nil
	}
	if s.phase == closed {
		return false, nil // the transport is going away: nobody acts on it
	}
	switch x := m.(type) {
	case helloMsg:
		return false, bad("a second HELLO on an open connection")
	case pingMsg, pongMsg:
		return true, nil
	case goAwayMsg:
		s.goaway = &x
		if s.client { // calls above last_id will never be answered: no longer in flight
			for id := range s.inFlight {
				if id > x.LastID {
					delete(s.inFlight, id)
				}
			}
		}
		if x.Code == OK {
			s.phase = closing
		} else {
			s.phase = closed
		}
		return true, nil
	case resultMsg, errorMsg:
		if s.client {
			id := answerID(m)
			if _, ok := s.inFlight[id]; !ok {
				return false, bad("answer to call %d, which is not in flight", id)
			}
			delete(s.inFlight, id)
			s.streams.forget(id)
			return true, nil
		}
	case callMsg:
		if !s.client {
			if x.ID <= s.lastCallID {
				return false, bad("call id %d is not greater than the previous id %d", x.ID, s.lastCallID)
			}
			s.lastCallID = x.ID
			s.inFlight[x.ID] = struct{}{}
			if x.Window != nil && s.streams.enabled {
				s.streams.outgoing[x.ID] = *x.Window
			}
			return true, nil
		}
	case itemMsg, windowMsg:
		return s.streams.received(m, s)
	case endMsg:
		if !s.client {
			return s.streams.received(m, s)
		}
	case cancelMsg, releaseMsg:
		if !s.client {
			return true, nil
		}
	}
	from := "client"
	if s.client {
		from = "server"
	}
	return false, bad("%s is not allowed from a %s", kindNames[m.kind()], from)
}

func answerID(m message) uint64 {
	if r, ok := m.(resultMsg); ok {
		return r.ID
	}
	return m.(errorMsg).ID
}

// The server side of the handshake is here only for the test vectors, which check every
// receiver's errors: a client never receives a client HELLO.
func (s *protocolState) serverOpen(h helloMsg) {
	s.sentHello, s.phase = true, open
	s.streams.hello(h)
}

// readFrame reads one length-prefixed frame (docs/protocol.md 2.1), checking the length as
// soon as its 4 bytes are in, before reading any of the payload. The end of the stream inside
// a frame is a lost connection (io.ErrUnexpectedEOF), not a protocol error.
func readFrame(r io.Reader, limit int) ([]byte, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(prefix[:])
	if n == 0 {
		return nil, bad("a frame of length 0")
	}
	if uint64(n) > uint64(limit) {
		return nil, exhausted("a frame of %d bytes exceeds the limit of %d bytes", n, limit)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return payload, nil
}

func frame(payload []byte) []byte {
	out := make([]byte, 4, 4+len(payload))
	binary.BigEndian.PutUint32(out, uint32(len(payload)))
	return append(out, payload...)
}
