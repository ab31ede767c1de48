package graft

import "math"

// The messages of docs/protocol.md section 4, and their envelopes (those of streams, 5.5, are
// in streamwire.go).

const (
	kindHello = iota
	kindCall
	kindResult
	kindError
	kindCancel
	kindRelease
	kindPing
	kindPong
	kindGoAway
	kindItem
	kindEnd
	kindWindow
)

var kindNames = [...]string{"HELLO", "CALL", "RESULT", "ERROR", "CANCEL", "RELEASE", "PING", "PONG", "GOAWAY", "ITEM", "END", "WINDOW"}

const (
	magic        = "hypertube"
	versionMajor = 1
	versionMinor = 0
	maxID        = math.MaxInt64
)

type message interface{ kind() int }

type helloMsg struct {
	Major, Minor            uint64
	Module, Version, Schema string
	Limits                  Limits
	Features                []string
	Auth                    any // nil, string or []byte
	Agent                   string
	Modules                 []string
	Debug                   bool
	StreamWindow            uint64 // gateway, feature stream: 0 = not sent
	MaxStreams              uint64 // gateway, feature stream: 0 = not sent
}

type callMsg struct {
	ID             uint64
	Op             Op
	Target, Member string
	Instance       *InstanceRef
	Args           []any
	Kwargs         any // map[string]any or Map
	TimeoutMS      *uint64
	Metadata       any     // nil, map[string]any, map[string]string or Map
	Window         *uint64 // feature stream: the initial credit of a streamed result
}

type resultMsg struct {
	ID    uint64
	Value any
}

type errorMsg struct {
	ID        uint64
	Code      Code
	Message   string
	TypeName  *string
	Fields    any // nil, map[string]any or Map
	Traceback *string
}

type cancelMsg struct{ ID uint64 }
type releaseMsg struct{ IDs []uint64 }
type pingMsg struct{ Opaque uint64 }
type pongMsg struct{ Opaque uint64 }
type goAwayMsg struct {
	LastID  uint64
	Code    Code
	Message string
}

func (helloMsg) kind() int   { return kindHello }
func (callMsg) kind() int    { return kindCall }
func (resultMsg) kind() int  { return kindResult }
func (errorMsg) kind() int   { return kindError }
func (cancelMsg) kind() int  { return kindCancel }
func (releaseMsg) kind() int { return kindRelease }
func (pingMsg) kind() int    { return kindPing }
func (pongMsg) kind() int    { return kindPong }
func (goAwayMsg) kind() int  { return kindGoAway }

// wire is the message's envelope as a wire value.
func wire(m message) []any {
	switch x := m.(type) {
	case helloMsg:
		info := Map{
			{"module", x.Module}, {"version", x.Version}, {"schema", x.Schema},
			{"limits", x.Limits.wire()}, {"features", anyList(x.Features)}, {"agent", x.Agent},
		}
		if x.Auth != nil {
			info = append(info, Entry{"auth", x.Auth})
		}
		if len(x.Modules) > 0 {
			info = append(info, Entry{"modules", anyList(x.Modules)})
		}
		if x.Debug {
			info = append(info, Entry{"debug", true})
		}
		if x.StreamWindow > 0 {
			info = append(info, Entry{"stream_window", x.StreamWindow})
		}
		if x.MaxStreams > 0 {
			info = append(info, Entry{"max_streams", x.MaxStreams})
		}
		return []any{kindHello, magic, x.Major, x.Minor, info}
	case callMsg:
		var inst, timeout any
		if x.Instance != nil {
			inst = *x.Instance
		}
		if x.TimeoutMS != nil {
			timeout = *x.TimeoutMS
		}
		args, kwargs := any(x.Args), x.Kwargs
		if x.Args == nil {
			args = []any{}
		}
		if kwargs == nil {
			kwargs = Map{}
		}
		out := []any{kindCall, x.ID, uint64(x.Op), x.Target, x.Member, inst, args, kwargs, timeout, x.Metadata}
		if x.Window != nil { // sent only when used: a unary CALL keeps version 1.0's bytes
			out = append(out, *x.Window)
		}
		return out
	case resultMsg:
		return []any{kindResult, x.ID, x.Value}
	case errorMsg:
		return []any{kindError, x.ID, uint64(x.Code), x.Message, optStr(x.TypeName), x.Fields, optStr(x.Traceback)}
	case cancelMsg:
		return []any{kindCancel, x.ID}
	case releaseMsg:
		ids := make([]any, len(x.IDs))
		for i, id := range x.IDs {
			ids[i] = id
		}
		return []any{kindRelease, ids}
	case pingMsg:
		return []any{kindPing, x.Opaque}
	case pongMsg:
		return []any{kindPong, x.Opaque}
	case goAwayMsg:
		return []any{kindGoAway, x.LastID, uint64(x.Code), x.Message}
	}
	return streamWire(m)
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func optStr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// encodeMessage is m's msgpack payload, within the peer's limits (conn: see encoder).
func encodeMessage(m message, peer Limits, conn *Conn) ([]byte, error) {
	e := encoder{limits: peer, conn: conn}
	if err := e.value(wire(m), 1); err != nil {
		return nil, err
	}
	if len(e.buf) > peer.MaxMessageSize {
		return nil, &Error{Code: ResourceExhausted, RetrySafe: true, Message: sprintf(
			"the message is %d bytes, over the gateway's limit of %d", len(e.buf), peer.MaxMessageSize)}
	}
	return e.buf, nil
}

// decodeMessage reads one payload into a message, checking the envelope (docs/protocol.md
// 4): elements beyond those of version 1.0 are ignored, wrong types are INVALID_ARGUMENT.
func decodeMessage(payload []byte, limits Limits, conn *Conn, ordered bool) (message, error) {
	v, err := decodeValue(payload, limits, conn, ordered)
	if err != nil {
		return nil, err
	}
	return messageFromWire(v)
}

func messageFromWire(v any) (message, error) {
	m, ok := v.([]any)
	if !ok || len(m) == 0 {
		return nil, bad("a message must be a non-empty array")
	}
	k, ok := m[0].(int64)
	if !ok {
		if _, big := m[0].(uint64); !big {
			return nil, bad("message kind must be an int, got %s", typeName(m[0]))
		}
		k = -1
	}
	if k < 0 || k > kindWindow {
		return nil, &protoError{Unimplemented, sprintf("unknown message kind %v", m[0])}
	}
	need := [...]int{4, 10, 3, 7, 2, 2, 2, 2, 4, 3, 2, 3}[k]
	if len(m) < need {
		return nil, bad("%s message has %d elements, expected %d", kindNames[k], len(m), need)
	}
	switch k {
	case kindHello:
		return decodeHello(m)
	case kindCall:
		return decodeCall(m)
	case kindResult:
		id, err := callID(m[1], 0, "call id")
		return resultMsg{id, m[2]}, err
	case kindError:
		return decodeError(m)
	case kindCancel:
		id, err := callID(m[1], 0, "call id")
		return cancelMsg{id}, err
	case kindRelease:
		list, ok := m[1].([]any)
		if !ok {
			return nil, bad("RELEASE ids must be an array")
		}
		ids := make([]uint64, len(list))
		for i, x := range list {
			id, err := callID(x, 0, "instance id")
			if err != nil {
				return nil, err
			}
			ids[i] = id
		}
		return releaseMsg{ids}, nil
	case kindPing, kindPong:
		u, ok := asUint(m[1])
		if !ok {
			return nil, bad("PING/PONG opaque must be an unsigned 64-bit int")
		}
		if k == kindPing {
			return pingMsg{u}, nil
		}
		return pongMsg{u}, nil
	case kindItem, kindEnd, kindWindow:
		return decodeStreamMsg(k, m)
	}
	last, code, msg, err := idCodeMessage(m, "GOAWAY", "last id")
	return goAwayMsg{last, code, msg}, err
}

func asUint(v any) (uint64, bool) {
	switch x := v.(type) {
	case int64:
		return uint64(x), x >= 0
	case uint64:
		return x, true
	}
	return 0, false
}

func callID(v any, min uint64, what string) (uint64, error) {
	u, ok := asUint(v)
	if !ok || u < min || u > maxID {
		return 0, bad("%s must be an int between %d and 2**63-1, got %v", what, min, v)
	}
	return u, nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case bool:
		return "bool"
	case int64, uint64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bin"
	case []any:
		return "array"
	case InstanceRef:
		return "instance reference"
	}
	return "map"
}

func decodeHello(m []any) (message, error) {
	if m[1] != magic {
		return nil, bad("not a Hypertube peer: bad magic %q", sprintf("%v", m[1]))
	}
	major, ok1 := asUint(m[2])
	minor, ok2 := asUint(m[3])
	if !ok1 || !ok2 {
		return nil, bad("HELLO version must be two unsigned ints")
	}
	if major != versionMajor {
		return nil, &protoError{Unimplemented, sprintf(
			"protocol version %d.%d is not supported; this peer speaks %d.x", major, minor, versionMajor)}
	}
	if len(m) < 5 {
		return nil, bad("HELLO message has %d elements, expected 5", len(m))
	}
	info, ok := entriesOf(m[4])
	if !ok {
		return nil, bad("HELLO info must be a map")
	}
	h := helloMsg{Major: major, Minor: minor, Limits: DefaultLimits()}
	for _, kv := range info {
		switch kv.Key {
		case "module":
			h.Module, _ = kv.Value.(string)
		case "version":
			h.Version, _ = kv.Value.(string)
		case "schema":
			h.Schema, _ = kv.Value.(string)
		case "agent":
			h.Agent, _ = kv.Value.(string)
		case "limits":
			h.Limits = limitsFromWire(kv.Value)
		case "features":
			h.Features = stringList(kv.Value)
		case "modules":
			h.Modules = stringList(kv.Value)
		case "debug":
			h.Debug = kv.Value == true
		case "stream_window", "max_streams":
			if n, ok := asUint(kv.Value); ok && n >= 1 && n <= maxWindow {
				if kv.Key == "stream_window" {
					h.StreamWindow = n
				} else {
					h.MaxStreams = n
				}
			}
		case "auth":
			switch kv.Value.(type) {
			case string, []byte:
				h.Auth = kv.Value
			}
		}
	}
	return h, nil
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := []string{}
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// entriesOf gives the entries of a decoded map, ordered or not.
func entriesOf(v any) (Map, bool) {
	switch x := v.(type) {
	case Map:
		return x, true
	case map[string]any:
		return sortedEntries(x), true
	case map[any]any:
		return anyEntries(x), true
	}
	return nil, false
}

func strKeys(v any, what string) error {
	entries, ok := entriesOf(v)
	if !ok {
		return bad("%s must be a map", what)
	}
	for _, kv := range entries {
		if _, ok := kv.Key.(string); !ok {
			return bad("%s keys must be str", what)
		}
	}
	return nil
}

func decodeCall(m []any) (message, error) {
	id, err := callID(m[1], 1, "call id")
	if err != nil {
		return nil, err
	}
	op, ok := asUint(m[2])
	if !ok || op > uint64(OpSet) {
		return nil, bad("unknown call op %v", m[2])
	}
	target, ok1 := m[3].(string)
	member, ok2 := m[4].(string)
	if !ok1 || !ok2 {
		return nil, bad("CALL target and member must be str")
	}
	c := callMsg{ID: id, Op: Op(op), Target: target, Member: member, Kwargs: m[7], Metadata: m[9]}
	switch x := m[5].(type) {
	case nil:
	case InstanceRef:
		c.Instance = &x
	default:
		return nil, bad("CALL instance must be nil or an instance reference")
	}
	if c.Args, ok = m[6].([]any); !ok {
		return nil, bad("CALL args must be an array")
	}
	if err := strKeys(m[7], "CALL kwargs"); err != nil {
		return nil, err
	}
	if m[8] != nil {
		t, ok := asUint(m[8])
		if !ok {
			return nil, bad("CALL timeout_ms must be nil or an unsigned int")
		}
		c.TimeoutMS = &t
	}
	if len(m) > 10 {
		if w, ok := asUint(m[10]); ok { // anything else is a later version's element: ignored
			if w == 0 || w > maxWindow {
				return nil, bad("CALL window must be between 1 and 2**32-1, got %d", w)
			}
			c.Window = &w
		}
	}
	if m[9] != nil {
		entries, ok := entriesOf(m[9])
		if !ok {
			return nil, bad("CALL metadata must be nil or a map")
		}
		for _, kv := range entries {
			_, sk := kv.Key.(string)
			switch kv.Value.(type) {
			case string, []byte:
			default:
				sk = false
			}
			if !sk {
				return nil, bad("CALL metadata must map str keys to str or bin values")
			}
		}
	}
	return c, nil
}

// idCodeMessage reads the [kind, id, code, message] that ERROR and GOAWAY begin with.
func idCodeMessage(m []any, kind, idName string) (uint64, Code, string, error) {
	id, err := callID(m[1], 0, idName)
	if err != nil {
		return 0, 0, "", err
	}
	code, ok := asUint(m[2])
	if !ok || code > math.MaxUint32 {
		return 0, 0, "", bad("%s code must be an unsigned int", kind)
	}
	msg, ok := m[3].(string)
	if !ok {
		return 0, 0, "", bad("%s message must be a str, got %s", kind, typeName(m[3]))
	}
	return id, Code(code), msg, nil
}

func decodeError(m []any) (message, error) {
	id, code, msg, err := idCodeMessage(m, "ERROR", "call id")
	if err != nil {
		return nil, err
	}
	e := errorMsg{ID: id, Code: code, Message: msg, Fields: m[5]}
	if m[5] != nil {
		if _, ok := entriesOf(m[5]); !ok {
			return nil, bad("ERROR fields must be nil or a map")
		}
	}
	for i, dst := range []**string{&e.TypeName, &e.Traceback} {
		switch x := m[4+2*i].(type) {
		case nil:
		case string:
			*dst = &x
		default:
			return nil, bad("ERROR type_name and traceback must be a str or nil")
		}
	}
	return e, nil
}
