package graft

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"sort"
	"unicode/utf8"
)

var sprintf = fmt.Sprintf

// encoder writes wire values as msgpack, shortest forms first (docs/protocol.md 3), within
// the peer's announced depth and container limits so that a call the gateway would refuse as
// a protocol error (closing the connection for every caller) fails alone, before sending.
type encoder struct {
	buf    []byte
	limits Limits
	conn   *Conn // InstanceRefs bound to another connection are refused (NOT_FOUND)
}

// encodeError is a value this side refuses to send; nothing was sent.
func (e *encoder) refuse(code Code, format string, args ...any) error {
	return &Error{Code: code, Message: sprintf(format, args...), RetrySafe: true}
}

func (e *encoder) uint(u uint64) {
	b := e.buf
	switch {
	case u <= 0x7f:
		b = append(b, byte(u))
	case u <= math.MaxUint8:
		b = append(b, 0xcc, byte(u))
	case u <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(u))
	case u <= math.MaxUint32:
		b = binary.BigEndian.AppendUint32(append(b, 0xce), uint32(u))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0xcf), u)
	}
	e.buf = b
}

func (e *encoder) int(i int64) {
	if i >= 0 {
		e.uint(uint64(i))
		return
	}
	b := e.buf
	switch {
	case i >= -32:
		b = append(b, byte(int8(i)))
	case i >= math.MinInt8:
		b = append(b, 0xd0, byte(int8(i)))
	case i >= math.MinInt16:
		b = binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(int16(i)))
	case i >= math.MinInt32:
		b = binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(int32(i)))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
	}
	e.buf = b
}

func (e *encoder) float(f float64) {
	e.buf = binary.BigEndian.AppendUint64(append(e.buf, 0xcb), math.Float64bits(f))
}

// header writes a str/bin/array/map/ext length: the fix form up to fixMax (-1: none), else
// the 8-bit form (c8, 0: none), the 16-bit form (c8+1 or c16) or the 32-bit form.
func (e *encoder) header(n int, fix byte, fixMax int, c8, c16 byte) {
	b := e.buf
	switch {
	case n <= fixMax:
		b = append(b, fix|byte(n))
	case c8 != 0 && n <= math.MaxUint8:
		b = append(b, c8, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, c16), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, c16+1), uint32(n))
	}
	e.buf = b
}

func (e *encoder) str(s string) error {
	if !utf8.ValidString(s) {
		return e.refuse(InvalidArgument, "cannot send a string that is not UTF-8")
	}
	e.header(len(s), 0xa0, 31, 0xd9, 0xda)
	e.buf = append(e.buf, s...)
	return nil
}

func (e *encoder) bin(p []byte) {
	e.header(len(p), 0, -1, 0xc4, 0xc5)
	e.buf = append(e.buf, p...)
}

func (e *encoder) ref(r InstanceRef) error {
	if r.conn != nil && e.conn != nil && r.conn != e.conn {
		return instanceGone(r)
	}
	n := 8 + len(r.Class)
	switch n {
	case 8:
		e.buf = append(e.buf, 0xd7) // fixext 8
	case 16:
		e.buf = append(e.buf, 0xd8) // fixext 16
	default:
		e.header(n, 0, -1, 0xc7, 0xc8)
	}
	e.buf = binary.BigEndian.AppendUint64(append(e.buf, instanceExt), r.ID)
	e.buf = append(e.buf, r.Class...)
	return nil
}

// instanceGone is what using a reference of another connection fails with: NOT_FOUND, as the
// gateway answers an id its connection does not hold (docs/protocol.md 4.2).
func instanceGone(r InstanceRef) *Error {
	what := fmt.Sprintf("instance %d", r.ID)
	if r.Class != "" {
		what = fmt.Sprintf("%s instance %d", r.Class, r.ID)
	}
	return &Error{Code: NotFound, Message: what + " belonged to a connection that was lost or " +
		"closed, and the gateway released it with that connection; create a new one"}
}

func (e *encoder) open(n, depth int, fix, c16 byte) error {
	if depth > e.limits.MaxDepth {
		return e.refuse(ResourceExhausted, "the value nests deeper than the gateway's limit of %d levels", e.limits.MaxDepth)
	}
	if n > e.limits.MaxContainerLen {
		return e.refuse(ResourceExhausted, "a list or map of %d elements exceeds the gateway's limit of %d", n, e.limits.MaxContainerLen)
	}
	e.header(n, fix, 15, 0, c16)
	return nil
}

// value writes v at nesting depth (the message array is depth 1).
func (e *encoder) value(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, 0xc0)
	case bool:
		if x {
			e.buf = append(e.buf, 0xc3)
		} else {
			e.buf = append(e.buf, 0xc2)
		}
	case int64:
		e.int(x)
	case int:
		e.int(int64(x))
	case int8, int16, int32:
		e.int(reflect.ValueOf(x).Int())
	case uint64:
		e.uint(x)
	case uint, uint8, uint16, uint32:
		e.uint(reflect.ValueOf(x).Uint())
	case float64:
		e.float(x)
	case float32:
		e.float(float64(x))
	case string:
		return e.str(x)
	case []byte:
		e.bin(x)
	case InstanceRef:
		return e.ref(x)
	case *InstanceRef:
		if x == nil {
			e.buf = append(e.buf, 0xc0)
			return nil
		}
		return e.ref(*x)
	case []any:
		return e.list(len(x), depth, func(i int) any { return x[i] })
	case []string:
		return e.list(len(x), depth, func(i int) any { return x[i] })
	case []int64:
		return e.list(len(x), depth, func(i int) any { return x[i] })
	case []float64:
		return e.list(len(x), depth, func(i int) any { return x[i] })
	case []bool:
		return e.list(len(x), depth, func(i int) any { return x[i] })
	case [][]byte:
		return e.list(len(x), depth, func(i int) any { return x[i] })
	case Map:
		return e.entries(x, depth)
	case map[string]any:
		return e.entries(sortedEntries(x), depth)
	case map[string]string:
		return e.entries(sortedEntries(x), depth)
	case map[int64]any:
		return e.entries(sortedEntries(x), depth)
	case map[any]any:
		return e.entries(anyEntries(x), depth)
	case refusal:
		return x.err
	default:
		return e.refuse(InvalidArgument, "cannot send a value of type %T (not a wire value)", v)
	}
	return nil
}

func (e *encoder) list(n, depth int, at func(int) any) error {
	if err := e.open(n, depth, 0x90, 0xdc); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := e.value(at(i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) entries(m Map, depth int) error {
	if err := e.open(len(m), depth, 0x80, 0xde); err != nil {
		return err
	}
	for _, kv := range m {
		if err := e.value(kv.Key, depth+1); err != nil {
			return err
		}
		if err := e.value(kv.Value, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// sortedEntries orders a Go map by key, so its bytes do not change from run to run.
func sortedEntries[K string | int64, V any](m map[K]V) Map {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	out := make(Map, len(keys))
	for i, k := range keys {
		out[i] = Entry{k, m[k]}
	}
	return out
}

func anyEntries(m map[any]any) Map {
	out := make(Map, 0, len(m))
	for k, v := range m {
		out = append(out, Entry{k, v})
	}
	sort.SliceStable(out, func(i, j int) bool {
		return fmt.Sprintf("%T:%v", out[i].Key, out[i].Key) < fmt.Sprintf("%T:%v", out[j].Key, out[j].Key)
	})
	return out
}
