package graft

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// Every vector of tests/vectors (docs/protocol.md 11): valid ones decode to their meaning and
// encode back to their bytes; bad ones are refused with their GOAWAY code.

type vector struct {
	Name      string          `json:"name"`
	Hex       string          `json:"hex"`
	Framed    bool            `json:"framed"`
	Canonical *bool           `json:"canonical"`
	Msgpack   json.RawMessage `json:"msgpack"`
	Message   json.RawMessage `json:"message"`
	Error     *struct {
		Code string `json:"code"`
		When string `json:"when"`
	} `json:"error"`
}

func vectorFiles(t *testing.T) []string {
	dir := os.Getenv("GRAFT_VECTORS")
	if dir == "" {
		dir = filepath.Join("..", "..", "tests", "vectors")
		if _, err := os.Stat(dir); err != nil {
			// a copy of the module outside the repository (from a GOPROXY) has no vectors;
			// in the repository, tests/go_runtime fails on this skip
			t.Skip("no tests/vectors next to this module; set GRAFT_VECTORS")
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no vectors in %s (docs/protocol.md 11)", dir)
	}
	return files
}

func TestVectors(t *testing.T) {
	for _, path := range vectorFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var v vector
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		t.Run(v.Name, func(t *testing.T) {
			raw, err := hex.DecodeString(v.Hex)
			if err != nil {
				t.Fatal(err)
			}
			if v.Error != nil {
				checkBad(t, v, raw)
			} else {
				checkGood(t, v, raw)
			}
		})
	}
}

func checkGood(t *testing.T, v vector, raw []byte) {
	payload := raw
	if v.Framed {
		r := bytes.NewReader(raw)
		p, err := readFrame(r, DefaultLimits().MaxMessageSize)
		if err != nil || r.Len() != 0 {
			t.Fatalf("framing: %v (%d bytes left)", err, r.Len())
		}
		payload = p
	}
	m, err := decodeMessage(payload, DefaultLimits(), nil, true)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got, want := norm(meaning(m)), norm(fromJSON(t, v.Message)); !equal(got, want) {
		t.Errorf("meaning:\n got %v\nwant %v", got, want)
	}
	if v.Canonical != nil && !*v.Canonical {
		return // accepted input that this version never sends
	}
	value, err := decodeValue(payload, DefaultLimits(), nil, false)
	if err != nil {
		t.Fatalf("decode value: %v", err)
	}
	expected := fromJSON(t, v.Msgpack)
	if got, want := norm(value), norm(expected); !equal(got, want) {
		t.Errorf("msgpack value:\n got %v\nwant %v", got, want)
	}
	again, err := encodeMessage(m, DefaultLimits(), nil)
	if err != nil || !bytes.Equal(again, payload) {
		t.Errorf("re-encoded message: %x (%v)\n                  want %x", again, err, payload)
	}
	e := encoder{limits: DefaultLimits()}
	if err := e.value(expected, 1); err != nil || !bytes.Equal(e.buf, payload) {
		t.Errorf("encoded value: %x (%v)\n         want %x", e.buf, err, payload)
	}
}

func checkBad(t *testing.T, v vector, raw []byte) {
	want, ok := CodeByName(v.Error.Code)
	if !ok {
		t.Fatalf("unknown code %s", v.Error.Code)
	}
	st := stateFor(v.Error.When)
	err := func() error {
		r := bytes.NewReader(raw)
		for {
			payload := raw
			if v.Framed {
				p, err := readFrame(r, DefaultLimits().MaxMessageSize)
				if errors.Is(err, io.EOF) {
					return nil
				}
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return &protoError{Unavailable, "the connection was lost in the middle of a frame"}
				}
				if err != nil {
					return err
				}
				payload = p
			}
			m, err := decodeMessage(payload, DefaultLimits(), nil, false)
			if err == nil {
				_, err = st.received(m)
			}
			if err != nil || !v.Framed {
				return err
			}
		}
	}()
	var pe *protoError
	if !errors.As(err, &pe) {
		t.Fatalf("accepted (%v); want %s", err, want)
	}
	if pe.code != want {
		t.Fatalf("got %s (%s); want %s", pe.code, pe.message, want)
	}
}

// stateFor is a protocol state in the phase a bad vector's "when" names.
func stateFor(when string) *protocolState {
	switch when {
	case "client_open":
		st := newProtocolState(true)
		st.sentHello = true
		_, _ = st.received(helloMsg{Major: 1})
		return st
	case "server_open":
		st := newProtocolState(false)
		_, _ = st.received(helloMsg{Major: 1})
		st.serverOpen(helloMsg{Major: 1})
		return st
	case "client_stream", "server_stream":
		// docs/protocol.md 11: the feature stream in effect (stream_window 2) and call 1 in
		// flight with window 1, for a member that takes a client stream
		gateway := helloMsg{Major: 1, Features: []string{streamFeature}, StreamWindow: 2}
		client := helloMsg{Major: 1, Features: []string{streamFeature}}
		window := uint64(1)
		call := callMsg{ID: 1, Target: "files", Member: "sync", Args: []any{nil}, Window: &window}
		if when == "client_stream" {
			st := newProtocolState(true)
			st.sentHello = true
			_, _ = st.received(gateway)
			st.inFlight[1] = struct{}{}
			st.streams.callSent(1, call.Window, true)
			return st
		}
		st := newProtocolState(false)
		_, _ = st.received(client)
		st.serverOpen(gateway)
		_, _ = st.received(call)
		st.streams.accept(1)
		return st
	}
	return newProtocolState(when == "client_handshake")
}

// meaning is a decoded message in the vectors' "message" notation.
func meaning(m message) any {
	switch x := m.(type) {
	case helloMsg:
		return append(Map{{"kind", "HELLO"}, {"major", x.Major}, {"minor", x.Minor}}, wire(x)[4].(Map)...)
	case callMsg:
		w := wire(x)
		out := Map{{"kind", "CALL"}, {"id", x.ID}, {"op", x.Op.String()}, {"target", x.Target},
			{"member", x.Member}, {"instance", w[5]}, {"args", x.Args}, {"kwargs", x.Kwargs},
			{"timeout_ms", w[8]}, {"metadata", x.Metadata}}
		if x.Window != nil {
			return append(out, Entry{"window", *x.Window})
		}
		return out
	case resultMsg:
		return Map{{"kind", "RESULT"}, {"id", x.ID}, {"value", x.Value}}
	case errorMsg:
		return Map{{"kind", "ERROR"}, {"id", x.ID}, {"code", x.Code.String()}, {"message", x.Message},
			{"type_name", optStr(x.TypeName)}, {"fields", x.Fields}, {"traceback", optStr(x.Traceback)}}
	case cancelMsg:
		return Map{{"kind", "CANCEL"}, {"id", x.ID}}
	case releaseMsg:
		return Map{{"kind", "RELEASE"}, {"ids", wire(x)[1]}}
	case pingMsg:
		return Map{{"kind", "PING"}, {"opaque", x.Opaque}}
	case pongMsg:
		return Map{{"kind", "PONG"}, {"opaque", x.Opaque}}
	case goAwayMsg:
		return Map{{"kind", "GOAWAY"}, {"last_id", x.LastID}, {"code", x.Code.String()}, {"message", x.Message}}
	case itemMsg:
		return Map{{"kind", "ITEM"}, {"id", x.ID}, {"value", x.Value}}
	case endMsg:
		return Map{{"kind", "END"}, {"id", x.ID}}
	case windowMsg:
		return Map{{"kind", "WINDOW"}, {"id", x.ID}, {"n", x.N}}
	}
	return nil
}

// fromJSON reads the vectors' tagged JSON (docs/protocol.md 11) as wire values, keeping the
// order of object keys (Map), so that encoding it gives the vector's bytes.
func fromJSON(t *testing.T, raw json.RawMessage) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	v, err := jsonValue(d)
	if err != nil {
		t.Fatalf("vector JSON: %v", err)
	}
	return untag(v)
}

func jsonValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('['):
		out := []any{}
		for d.More() {
			v, err := jsonValue(d)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		_, err := d.Token()
		return out, err
	case json.Delim('{'):
		out := Map{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := jsonValue(d)
			if err != nil {
				return nil, err
			}
			out = append(out, Entry{k, v})
		}
		_, err := d.Token()
		return out, err
	}
	return tok, nil
}

func lookup(m Map, key string) (any, bool) {
	for _, e := range m {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

func untag(v any) any {
	switch x := v.(type) {
	case json.Number:
		return bigInt(string(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = untag(e)
		}
		return out
	case Map:
		if b, ok := lookup(x, "$bin"); ok {
			p, _ := hex.DecodeString(b.(string))
			return p
		}
		if f, ok := lookup(x, "$float"); ok {
			n, _ := strconv.ParseFloat(string(f.(json.Number)), 64)
			return n
		}
		if i, ok := lookup(x, "$int"); ok {
			return bigInt(i.(string))
		}
		if id, ok := lookup(x, "$instance"); ok {
			class, _ := lookup(x, "class")
			s, _ := class.(string)
			n, _ := strconv.ParseUint(string(id.(json.Number)), 10, 64)
			return InstanceRef{ID: n, Class: s}
		}
		if pairs, ok := lookup(x, "$map"); ok {
			out := Map{}
			for _, p := range pairs.([]any) {
				kv := p.([]any)
				out = append(out, Entry{untag(kv[0]), untag(kv[1])})
			}
			return out
		}
		out := make(Map, len(x))
		for i, e := range x {
			out[i] = Entry{e.Key, untag(e.Value)}
		}
		return out
	}
	return v
}

func bigInt(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	u, _ := strconv.ParseUint(s, 10, 64)
	return u
}

// norm gives a value one spelling per meaning (ints of any type, maps of any kind), for
// comparison.
func norm(v any) any {
	switch x := v.(type) {
	case int64, int, uint64:
		n, _ := new(big.Int).SetString(fmt.Sprint(x), 10)
		return "int:" + n.String()
	case float64:
		return "float:" + strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return "str:" + x
	case []byte:
		return "bin:" + hex.EncodeToString(x)
	case InstanceRef:
		return fmt.Sprintf("ref:%d:%s", x.ID, x.Class)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = norm(e)
		}
		return out
	case map[string]any, map[any]any, Map:
		entries, _ := entriesOf(x)
		out := make([]string, len(entries))
		for i, e := range entries {
			out[i] = fmt.Sprintf("%v=%v", norm(e.Key), norm(e.Value))
		}
		sort.Strings(out)
		return fmt.Sprint(out)
	}
	return v
}

func equal(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }
