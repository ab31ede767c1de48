package graft

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

func encodeHex(t *testing.T, v any) string {
	t.Helper()
	e := encoder{limits: DefaultLimits()}
	if err := e.value(v, 1); err != nil {
		t.Fatalf("encode %v: %v", v, err)
	}
	return hex.EncodeToString(e.buf)
}

func TestShortestEncodings(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{0, "00"}, {127, "7f"}, {128, "cc80"}, {255, "ccff"}, {256, "cd0100"},
		{65535, "cdffff"}, {65536, "ce00010000"}, {int64(1) << 32, "cf0000000100000000"},
		{uint64(math.MaxUint64), "cfffffffffffffffff"}, {-1, "ff"}, {-32, "e0"}, {-33, "d0df"},
		{-128, "d080"}, {-129, "d1ff7f"}, {-32769, "d2ffff7fff"},
		{int64(math.MinInt64), "d38000000000000000"}, {int8(-2), "fe"}, {uint16(300), "cd012c"},
		{1.5, "cb3ff8000000000000"}, {float32(1.5), "cb3ff8000000000000"}, {nil, "c0"},
		{true, "c3"}, {false, "c2"}, {"", "a0"}, {strings.Repeat("a", 31), "bf" + strings.Repeat("61", 31)},
		{[]byte(nil), "c400"}, {[]byte{1}, "c40101"}, {[]any{}, "90"}, {Map{}, "80"},
		{map[string]any{"b": 1, "a": 2}, "82a16102a16201"}, {[]string{"x"}, "91a178"},
		{map[int64]any{2: "b", 1: "a"}, "8201a16102a162"}, {Ref(42, "Cart"), "c70c01000000000000002a43617274"},
		{Ref(1, ""), "d7010000000000000001"}, {Ref(1, "Counters"), "d801000000000000000143" + hex.EncodeToString([]byte("ounters"))},
		{(*InstanceRef)(nil), "c0"},
	}
	for _, tc := range cases {
		if got := encodeHex(t, tc.v); got != tc.want {
			t.Errorf("%#v: %s, want %s", tc.v, got, tc.want)
		}
	}
	for n, head := range map[int]string{32: "d920", 255: "d9ff", 256: "da0100", 65536: "db00010000"} {
		if got := encodeHex(t, strings.Repeat("a", n))[:len(head)]; got != head {
			t.Errorf("str of %d: header %s, want %s", n, got, head)
		}
	}
	for n, head := range map[int]string{15: "9f", 16: "dc0010", 65536: "dd00010000"} {
		if got := encodeHex(t, make([]any, n))[:len(head)]; got != head {
			t.Errorf("array of %d: header %s, want %s", n, got, head)
		}
	}
	if got := encodeHex(t, make([]byte, 256))[:6]; got != "c50100" {
		t.Errorf("bin of 256: %s", got)
	}
}

func TestValuesThatCannotBeSent(t *testing.T) {
	for _, v := range []any{struct{}{}, map[string]int{"a": 1}, "\xff", []any{make(chan int)}} {
		e := encoder{limits: DefaultLimits()}
		var ge *Error
		if err := e.value(v, 1); !errors.As(err, &ge) || ge.Code != InvalidArgument || !ge.RetrySafe {
			t.Errorf("%#v: %v", v, err)
		}
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	in := []any{nil, true, int64(-5), uint64(math.MaxUint64), int64(math.MaxInt64), 2.5, "é", []byte{0},
		map[string]any{"k": []any{int64(1)}}, map[any]any{int64(1): "a", true: nil}, Ref(3, "Cart")}
	e := encoder{limits: DefaultLimits()}
	if err := e.value(in, 1); err != nil {
		t.Fatal(err)
	}
	out, err := decodeValue(e.buf, DefaultLimits(), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := norm(out), norm(in); !equal(got, want) {
		t.Fatalf("round trip:\n got %v\nwant %v", got, want)
	}
	if _, ok := out.([]any)[9].(map[any]any); !ok {
		t.Fatalf("a map with non-str keys decodes to map[any]any, not %T", out.([]any)[9])
	}
}

func nested(depth int) []byte {
	return append(bytes.Repeat([]byte{0x91}, depth-1), 0x90)
}

func TestDecodeLimits(t *testing.T) {
	small := Limits{MaxMessageSize: 4096, MaxDepth: 8, MaxContainerLen: 64, MaxInstances: 1, MaxConcurrentCalls: 1}
	cases := []struct {
		name string
		hex  string
		code Code // OK: accepted
	}{
		{"depth at the limit", hex.EncodeToString(nested(8)), OK},
		{"depth over the limit", hex.EncodeToString(nested(9)), ResourceExhausted},
		{"map depth", "81a16181a16181a16181a16181a16181a16181a16181a16190", ResourceExhausted},
		{"array header over the limit", "dc0041", ResourceExhausted},
		{"map header over the limit", "de0041", ResourceExhausted},
		{"huge array header, no body", "dd7fffffff", ResourceExhausted},
		{"array longer than the bytes", "dc0040" + "00", InvalidArgument},
		{"str over the size limit", "db00001001", ResourceExhausted},
		{"bin over the size limit", "c600001001", ResourceExhausted},
		{"ext over the size limit", "c90000100101", ResourceExhausted},
		{"truncated str", "a3616263"[:6], InvalidArgument},
		{"truncated int", "cd01", InvalidArgument},
		{"empty", "", InvalidArgument},
		{"not UTF-8", "a2c328", InvalidArgument},
		{"reserved byte", "c1", InvalidArgument},
		{"timestamp ext", "d6ff00000000", InvalidArgument},
		{"short instance ref", "d50100ff", InvalidArgument},
		{"class name not UTF-8", "c7090100000000000000" + "01ff", InvalidArgument},
		{"array as map key", "819001", InvalidArgument},
		{"bin as map key", "81c4000101", InvalidArgument},
		{"trailing bytes", "c0c0", InvalidArgument},
		{"float 32", "ca3fc00000", OK},
		{"non-shortest int", "cf0000000000000001", OK},
	}
	for _, tc := range cases {
		raw, _ := hex.DecodeString(tc.hex)
		_, err := decodeValue(raw, small, nil, false)
		var pe *protoError
		switch {
		case tc.code == OK && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.code != OK && (!errors.As(err, &pe) || pe.code != tc.code):
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestFraming(t *testing.T) {
	for name, tc := range map[string]struct {
		raw  string
		code Code
	}{
		"zero length":         {"00000000", InvalidArgument},
		"over the limit":      {"00001001", ResourceExhausted},
		"at the limit, short": {"00001000" + "00", Unavailable},
		"truncated prefix":    {"0000", Unavailable},
	} {
		raw, _ := hex.DecodeString(tc.raw)
		_, err := readFrame(bytes.NewReader(raw), 4096)
		var pe *protoError
		switch {
		case tc.code == Unavailable:
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s: %v, want a lost connection", name, err)
			}
		case !errors.As(err, &pe) || pe.code != tc.code:
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	p, err := readFrame(bytes.NewReader(frame([]byte{0xc0})), 4096)
	if err != nil || !bytes.Equal(p, []byte{0xc0}) {
		t.Fatalf("a frame: %x %v", p, err)
	}
	if _, err := readFrame(bytes.NewReader(nil), 4096); err != io.EOF {
		t.Fatalf("the end between frames: %v", err)
	}
}

func TestHelloLimitsAreTolerantAndFloored(t *testing.T) {
	l := limitsFromWire(map[string]any{"max_message_size": int64(10), "max_depth": int64(1000),
		"max_container_len": "many", "max_instances": int64(-1), "extra": int64(1)})
	want := DefaultLimits()
	want.MaxMessageSize, want.MaxDepth = minMessageSize, maxDepthCeiling
	if l != want {
		t.Fatalf("limits: %+v", l)
	}
	if limitsFromWire(nil) != DefaultLimits() {
		t.Fatal("absent limits are the defaults")
	}
}

func TestCodes(t *testing.T) {
	if NotFound.String() != "NOT_FOUND" || Code(99).String() != "CODE_99" {
		t.Fatal("code names")
	}
	if c, ok := CodeByName("UNAUTHENTICATED"); !ok || c != Unauthenticated {
		t.Fatal("CodeByName")
	}
	err := error(&Error{Code: NotFound, Message: "gone", Type: "NotFound"})
	if !errors.Is(err, &Error{Code: NotFound}) || errors.Is(err, &Error{Code: Internal}) || !errors.Is(err, &Error{Code: NotFound, Type: "NotFound"}) {
		t.Fatal("errors.Is by code and type")
	}
	if CodeOf(nil) != OK || CodeOf(io.EOF) != Unknown || CodeOf(errors.Join(err)) != NotFound {
		t.Fatal("CodeOf")
	}
	if !strings.Contains(err.Error(), "NotFound") || !strings.Contains(err.Error(), "NOT_FOUND") {
		t.Fatal(err.Error())
	}
}
