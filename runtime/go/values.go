package graft

// Wire values (docs/protocol.md section 6) are plain Go values:
//
//	nil, bool, int64 (uint64 above MaxInt64), float64, string, []byte, []any,
//	map[string]any, InstanceRef
//
// are what the decoder gives; a map with a key that is not a string decodes to map[any]any.
// The encoder also takes every Go integer and float type, Map (keeps key order),
// map[int64]any, map[any]any and *InstanceRef; anything else is an INVALID_ARGUMENT error
// before anything is sent.

// InstanceRef is a reference to an instance the gateway holds for one connection (msgpack
// ext type 1). A reference remembers the connection that received it: passing it on another
// connection (after a reconnect) fails with NOT_FOUND instead of reaching another object.
type InstanceRef struct {
	ID    uint64
	Class string
	conn  *Conn
}

// Ref is a reference made by hand (a dynamic caller that knows an id); it is bound to no
// connection, so it is sent as is.
func Ref(id uint64, class string) InstanceRef { return InstanceRef{ID: id, Class: class} }

// Entry is one key and value of a Map.
type Entry struct {
	Key   any
	Value any
}

// Map is a msgpack map that keeps its keys in order (generated code sends records as Maps,
// in declared field order, so the bytes are deterministic).
type Map []Entry

// Op is what a CALL does (docs/protocol.md 4.2).
type Op uint8

// The four ops.
const (
	OpCall Op = 0 // a service function, a static method, or an instance method (Instance set)
	OpNew  Op = 1 // the constructor; the result is an InstanceRef
	OpGet  Op = 2 // read a property of Instance
	OpSet  Op = 3 // write a mut property of Instance: Args is [value]
)

var opNames = [...]string{"CALL", "NEW", "GET", "SET"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "OP_" + string(rune('0'+o))
}

// Call is one call, as wire values (docs/protocol.md 4.2). Its deadline comes from the
// context given to Invoke.
type Call struct {
	Op       Op
	Target   string         // a service or class name
	Member   string         // function, method or property; "" for OpNew
	Instance *InstanceRef   // the instance, for instance methods, OpGet and OpSet
	Args     []any          // positional arguments
	Kwargs   map[string]any // keyword arguments (nil is {})
	Metadata map[string]string
	// Input is the client stream of a member that takes a stream<T> parameter (put nil in
	// that parameter's place): its wire values are sent as the gateway's credit allows, then
	// END. Any iter.Seq[any] fits. nil for every other call.
	Input func(yield func(any) bool)
}
