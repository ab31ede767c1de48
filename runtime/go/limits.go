package graft

// Limits are what one side accepts (docs/protocol.md section 8), announced in its HELLO.
type Limits struct {
	MaxMessageSize     int
	MaxDepth           int
	MaxContainerLen    int
	MaxInstances       int
	MaxConcurrentCalls int
}

// The floors every peer accepts (a HELLO must fit), and the depth ceiling.
const (
	minMessageSize  = 4096
	minDepth        = 8
	minContainerLen = 64
	maxDepthCeiling = 200
	maxInt          = int64(^uint(0) >> 1)
	// the 32-bit length prefix bounds a frame; so does int on 32-bit platforms
	maxFrame = int(min(0xFFFFFFFF, maxInt))
)

// DefaultLimits are the reference implementation's defaults.
func DefaultLimits() Limits {
	return Limits{4 << 20, 64, 1 << 20, 10000, 1000}
}

// handshakeLimits are what any peer can read before it knows the other side's limits.
var handshakeLimits = Limits{minMessageSize, minDepth, minContainerLen, 1, 1}

func (l Limits) wire() Map {
	return Map{
		{"max_message_size", l.MaxMessageSize}, {"max_depth", l.MaxDepth},
		{"max_container_len", l.MaxContainerLen}, {"max_instances", l.MaxInstances},
		{"max_concurrent_calls", l.MaxConcurrentCalls},
	}
}

// limitsFromWire is tolerant: unknown keys are ignored, absent or invalid ones keep their
// defaults, and values are raised to the floors (a peer may announce only what concerns it).
func limitsFromWire(v any) Limits {
	l := DefaultLimits()
	entries, _ := entriesOf(v)
	for _, kv := range entries {
		n, ok := kv.Value.(int64)
		if !ok || n < 1 {
			continue
		}
		clamp := func(lo, hi int64) int {
			return int(max(lo, min(n, hi)))
		}
		switch kv.Key {
		case "max_message_size":
			l.MaxMessageSize = clamp(minMessageSize, int64(maxFrame))
		case "max_depth":
			l.MaxDepth = clamp(minDepth, maxDepthCeiling)
		case "max_container_len":
			l.MaxContainerLen = clamp(minContainerLen, maxInt)
		case "max_instances":
			l.MaxInstances = clamp(1, maxInt)
		case "max_concurrent_calls":
			l.MaxConcurrentCalls = clamp(1, maxInt)
		}
	}
	return l
}
