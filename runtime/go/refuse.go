package graft

// Refuse is what generated code hands the encoder in place of a value it must not send (a
// literal outside its set, a union holding none of its members): the call fails with
// INVALID_ARGUMENT and nothing is sent, like any other value the encoder refuses.
func Refuse(format string, args ...any) any {
	return refusal{&Error{Code: InvalidArgument, Message: sprintf(format, args...), RetrySafe: true}}
}

type refusal struct{ err *Error }
