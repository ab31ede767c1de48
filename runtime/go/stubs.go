package graft

import "context"

// Placeholders: replaced by the implementation in the following commits.

// Limits are the receive limits a peer announces in its HELLO (docs/protocol.md 8).
type Limits struct {
	MaxMessageSize     int
	MaxDepth           int
	MaxContainerLen    int
	MaxInstances       int
	MaxConcurrentCalls int
}

type clientCore struct {
	server ServerInfo
	done   chan struct{}
}

var errTodo = Errorf(Unimplemented, "not implemented yet")

func dial(ctx context.Context, url string, opts Options) (*Conn, error)  { return nil, errTodo }
func (c *clientCore) invoke(ctx context.Context, call Call) (any, error) { return nil, errTodo }
func (c *clientCore) release(refs []InstanceRef) error                   { return errTodo }
func (c *clientCore) ping(ctx context.Context) error                     { return errTodo }
func (c *clientCore) err() error                                         { return errTodo }
func (c *clientCore) close() error                                       { return errTodo }

type osEnv struct{}

func resolve(module string, code, baked Settings, env osEnv) (Resolved, error) {
	return Resolved{}, errTodo
}
func (r Resolved) options() (Options, error)                           { return Options{}, errTodo }
func (ch *Channel) invoke(ctx context.Context, call Call) (any, error) { return nil, errTodo }
func (ch *Channel) release(refs []InstanceRef) error                   { return errTodo }
func (ch *Channel) settings() (Resolved, error)                        { return Resolved{}, errTodo }
func (ch *Channel) close() error                                       { return errTodo }
