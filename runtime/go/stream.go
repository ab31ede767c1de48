package graft

import "context"

// Stream is the items of one streaming call, in order (docs/protocol.md 5.5), read the way
// sql.Rows and bufio.Scanner are:
//
//	s := client.Tail(ctx, "app", nil)
//	defer s.Close()
//	for s.Next() {
//		fmt.Println(s.Item())
//	}
//	if err := s.Err(); err != nil {
//		// a declared error raised after some items arrives here, after them
//	}
//
// The call's context covers the whole stream: its deadline (sent as timeout_ms) and its
// cancellation. Close before the end cancels the call, and the gateway closes its generator;
// always Close (it also frees the call's slot). Items are held in a queue bounded by the
// credit this side grants; credit is granted back as Next takes items, so a slow reader
// slows the gateway's generator down. With Go 1.23+, All gives a range-over-func iterator.
// A Stream is for one goroutine.
type Stream[T any] struct {
	src    *streamSource
	conv   func(any) (T, error)
	mapErr func(error) error
	item   T
	err    error
	done   bool
}

// Next advances to the next item; false at the end of the stream or on an error (see Err).
func (s *Stream[T]) Next() bool {
	if s.done {
		return false
	}
	v, ok, err := s.src.next()
	if ok {
		s.item, err = s.conv(v)
	}
	if !ok || err != nil {
		s.done = true
		s.src.close()
		if err != nil && s.mapErr != nil {
			err = s.mapErr(err)
		}
		s.err = err
		var zero T
		s.item = zero
		return false
	}
	return true
}

// Item is the item Next advanced to.
func (s *Stream[T]) Item() T { return s.item }

// Err is why the stream ended, nil when it ended normally (or is still going).
func (s *Stream[T]) Err() error { return s.err }

// Close cancels the call if it is still running and drops the items not taken. Idempotent.
func (s *Stream[T]) Close() error {
	s.done = true
	if s.src != nil {
		s.src.close()
	}
	return nil
}

// All is the stream as a range-over-func iterator (Go 1.23+): each item with a nil error,
// then, if the stream failed, one zero item with the error. Leaving the loop early closes the
// stream (cancelling the call).
//
//	for item, err := range s.All() { ... }
func (s *Stream[T]) All() func(yield func(T, error) bool) {
	return func(yield func(T, error) bool) {
		defer s.Close()
		for s.Next() {
			if !yield(s.item, nil) {
				return
			}
		}
		if s.err != nil {
			var zero T
			yield(zero, s.err)
		}
	}
}

// failed is a stream that never started.
func failed[T any](err error) *Stream[T] { return &Stream[T]{err: err, done: true} }

// Stream starts a call of a member that returns a stream; its items are wire values. A call
// that cannot start gives a Stream whose Next is false and Err says why.
func (c *Conn) Stream(ctx context.Context, call Call) *Stream[any] {
	if call.Op > OpSet {
		return failed[any](Errorf(InvalidArgument, "unknown call op %d", call.Op))
	}
	sc, answers, release, err := c.core.openStream(ctx, call)
	if err != nil {
		return failed[any](err)
	}
	return &Stream[any]{src: &streamSource{sc: sc, answers: answers, release: release},
		conv: func(v any) (any, error) { return v, nil }}
}

// Stream starts a streaming call on the current connection, connecting first if there is
// none (within ctx).
func (ch *Channel) Stream(ctx context.Context, call Call) *Stream[any] {
	conn, err := ch.connection(ctx)
	if err != nil {
		return failed[any](err)
	}
	return conn.Stream(ctx, call)
}

// MapStream is s with each wire item converted by conv and its error passed through mapErr
// (nil: unchanged): what generated code returns. Take it before the first Next.
func MapStream[T any](s *Stream[any], conv func(any) (T, error), mapErr func(error) error) *Stream[T] {
	out := &Stream[T]{src: s.src, conv: conv, mapErr: mapErr, done: s.done, err: s.err}
	if out.err != nil && mapErr != nil {
		out.err = mapErr(out.err)
	}
	return out
}
