package graft

// The stream messages of docs/protocol.md 5.5 (feature "stream"): ITEM [9, id, value] both
// ways, END [10, id] from the client, WINDOW [11, id, n] both ways.

// streamFeature is the HELLO feature that enables streams.
const streamFeature = "stream"

// maxWindow is the largest credit a stream may have, and the largest WINDOW.
const maxWindow = 1<<32 - 1

// defaultStreamWindow is a client stream's credit when the gateway's HELLO gives none.
const defaultStreamWindow = 16

type itemMsg struct {
	ID    uint64
	Value any
}
type endMsg struct{ ID uint64 }
type windowMsg struct{ ID, N uint64 }

func (itemMsg) kind() int   { return kindItem }
func (endMsg) kind() int    { return kindEnd }
func (windowMsg) kind() int { return kindWindow }

func streamWire(m message) []any {
	switch x := m.(type) {
	case itemMsg:
		return []any{kindItem, x.ID, x.Value}
	case endMsg:
		return []any{kindEnd, x.ID}
	case windowMsg:
		return []any{kindWindow, x.ID, x.N}
	}
	panic("not a message")
}

func decodeStreamMsg(k int64, m []any) (message, error) {
	id, err := callID(m[1], 0, "call id")
	if err != nil {
		return nil, err
	}
	switch k {
	case kindItem:
		return itemMsg{id, m[2]}, nil
	case kindEnd:
		return endMsg{id}, nil
	}
	n, ok := asUint(m[2])
	if !ok || n == 0 || n > maxWindow {
		return nil, bad("WINDOW must grant between 1 and 2**32-1 items, got %v", m[2])
	}
	return windowMsg{id, n}, nil
}

func streamMsgID(m message) uint64 {
	switch x := m.(type) {
	case itemMsg:
		return x.ID
	case endMsg:
		return x.ID
	case windowMsg:
		return x.ID
	}
	return 0
}

func lists(features []string, feature string) bool {
	for _, f := range features {
		if f == feature {
			return true
		}
	}
	return false
}
