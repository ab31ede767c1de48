package graft

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// The msgpack subset of docs/protocol.md section 3, decoded under the receive limits of
// section 8. Errors are *protoError: a peer that sends this is broken.

const instanceExt = 1

// protoError is a violation of the protocol by the peer (or, with local set, a message this
// side refuses to send); code is what the GOAWAY carries.
type protoError struct {
	code    Code
	message string
}

func (e *protoError) Error() string { return e.code.String() + ": " + e.message }

func bad(format string, args ...any) *protoError {
	return &protoError{InvalidArgument, sprintf(format, args...)}
}

func exhausted(format string, args ...any) *protoError {
	return &protoError{ResourceExhausted, sprintf(format, args...)}
}

// decoder reads one msgpack value from a payload.
type decoder struct {
	data     []byte
	pos      int
	limits   Limits
	conn     *Conn // stamped on the InstanceRefs read, so they stay bound to their connection
	ordered  bool  // maps as Map (keeps the order; used by the vector tests)
	maxBytes int   // str, bin and ext lengths (the message size limit)
}

// decodeValue is the one msgpack value of payload, limits checked.
func decodeValue(payload []byte, limits Limits, conn *Conn, ordered bool) (any, error) {
	d := &decoder{data: payload, limits: limits, conn: conn, ordered: ordered, maxBytes: limits.MaxMessageSize}
	v, err := d.value(1)
	if err != nil {
		return nil, err
	}
	if d.pos != len(d.data) {
		return nil, bad("%d bytes left over after the message", len(d.data)-d.pos)
	}
	return v, nil
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || len(d.data)-d.pos < n {
		return nil, bad("the message ends in the middle of a value")
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) uint(size int) (uint64, error) {
	b, err := d.take(size)
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(b)), nil
	}
	return binary.BigEndian.Uint64(b), nil
}

func (d *decoder) length(size int) (int, error) {
	n, err := d.uint(size)
	if n > math.MaxInt32 {
		n = math.MaxInt32 // beyond every limit; reported by the caller's check
	}
	return int(n), err
}

// value reads one value at nesting depth (the message array is depth 1).
func (d *decoder) value(depth int) (any, error) {
	b, err := d.take(1)
	if err != nil {
		return nil, err
	}
	c := b[0]
	switch {
	case c <= 0x7f:
		return int64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), nil
	case c >= 0xa0 && c <= 0xbf:
		return d.str(int(c & 0x1f))
	case c >= 0x90 && c <= 0x9f:
		return d.array(int(c&0x0f), depth)
	case c >= 0x80 && c <= 0x8f:
		return d.mapOf(int(c&0x0f), depth)
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, err := d.uint(1 << (c - 0xcc))
		if err != nil || u > math.MaxInt64 {
			return u, err
		}
		return int64(u), nil
	case 0xd0, 0xd1, 0xd2, 0xd3:
		size := 1 << (c - 0xd0)
		u, err := d.uint(size)
		shift := 64 - 8*size
		return int64(u<<shift) >> shift, err
	case 0xca:
		u, err := d.uint(4)
		return float64(math.Float32frombits(uint32(u))), err
	case 0xcb:
		u, err := d.uint(8)
		return math.Float64frombits(u), err
	case 0xd9, 0xda, 0xdb:
		n, err := d.length(1 << (c - 0xd9))
		if err != nil {
			return nil, err
		}
		return d.str(n)
	case 0xc4, 0xc5, 0xc6:
		n, err := d.length(1 << (c - 0xc4))
		if err != nil {
			return nil, err
		}
		if n > d.maxBytes {
			return nil, exhausted("a bin of %d bytes exceeds the limit of %d", n, d.maxBytes)
		}
		raw, err := d.take(n)
		return append([]byte{}, raw...), err
	case 0xdc, 0xdd:
		n, err := d.length(2 << (c - 0xdc))
		if err != nil {
			return nil, err
		}
		return d.array(n, depth)
	case 0xde, 0xdf:
		n, err := d.length(2 << (c - 0xde))
		if err != nil {
			return nil, err
		}
		return d.mapOf(n, depth)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return d.ext(1 << (c - 0xd4))
	case 0xc7, 0xc8, 0xc9:
		n, err := d.length(1 << (c - 0xc7))
		if err != nil {
			return nil, err
		}
		return d.ext(n)
	}
	return nil, bad("invalid msgpack: byte 0x%02x is not a msgpack type", c)
}

func (d *decoder) str(n int) (any, error) {
	if n > d.maxBytes {
		return nil, exhausted("a str of %d bytes exceeds the limit of %d", n, d.maxBytes)
	}
	raw, err := d.take(n)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(raw) {
		return nil, bad("invalid msgpack: a str that is not UTF-8")
	}
	return string(raw), nil
}

// container checks a container's header before anything is allocated for it.
func (d *decoder) container(n, depth int, what string, minBytes int) error {
	if depth > d.limits.MaxDepth {
		return exhausted("message nests deeper than %d levels", d.limits.MaxDepth)
	}
	if n > d.limits.MaxContainerLen {
		return exhausted("%s of %d elements exceeds the limit of %d", what, n, d.limits.MaxContainerLen)
	}
	if n*minBytes > len(d.data)-d.pos {
		return bad("the message ends in the middle of %s", what)
	}
	return nil
}

func (d *decoder) array(n, depth int) (any, error) {
	if err := d.container(n, depth, "an array", 1); err != nil {
		return nil, err
	}
	out := make([]any, n)
	for i := range out {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (d *decoder) mapOf(n, depth int) (any, error) {
	if err := d.container(n, depth, "a map", 2); err != nil {
		return nil, err
	}
	entries := make(Map, 0, n)
	allStr := true
	for i := 0; i < n; i++ {
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		switch k.(type) {
		case string:
		case nil, bool, int64, uint64, float64, InstanceRef:
			allStr = false
		default:
			return nil, bad("invalid msgpack: a map key that is an array, a map or a bin")
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		entries = append(entries, Entry{k, v})
	}
	if d.ordered {
		return entries, nil
	}
	if allStr {
		m := make(map[string]any, n)
		for _, e := range entries {
			m[e.Key.(string)] = e.Value
		}
		return m, nil
	}
	m := make(map[any]any, n)
	for _, e := range entries {
		if f, ok := e.Key.(float64); ok && f != f {
			return nil, bad("invalid msgpack: a map key that is NaN")
		}
		m[e.Key] = e.Value
	}
	return m, nil
}

func (d *decoder) ext(n int) (any, error) {
	if n > d.maxBytes {
		return nil, exhausted("an ext of %d bytes exceeds the limit of %d", n, d.maxBytes)
	}
	t, err := d.take(1)
	if err != nil {
		return nil, err
	}
	data, err := d.take(n)
	if err != nil {
		return nil, err
	}
	if int8(t[0]) != instanceExt {
		return nil, bad("unknown msgpack extension type %d", int8(t[0]))
	}
	if len(data) < 8 {
		return nil, bad("instance reference shorter than 8 bytes")
	}
	if !utf8.Valid(data[8:]) {
		return nil, bad("instance reference with a class name that is not UTF-8")
	}
	return InstanceRef{ID: binary.BigEndian.Uint64(data), Class: string(data[8:]), conn: d.conn}, nil
}
