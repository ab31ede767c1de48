// Package graft is the Go runtime of graftcode: a client of the Hypertube protocol
// (docs/protocol.md) that calls modules hosted by a graftcode gateway over TCP, TLS or
// WebSocket.
//
// Generated packages (graftc build --target go) hold a [Channel] and call [Channel.Invoke]
// with wire values; dynamic callers may use [Dial] and [Conn.Invoke] directly. API.md lists
// the surface generated code relies on; docs/go-client.md documents configuration.
//
// The module has no dependencies outside the standard library: it carries its own msgpack
// codec (msgpack.go) and RFC 6455 client (websocket.go), so `go get` through a gateway's
// GOPROXY needs nothing else.
package graft
