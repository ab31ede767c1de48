package graft

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Code is a status code of docs/protocol.md section 7.1 (gRPC's codes and numbers).
type Code uint32

// The status codes. Receivers accept any other number too (String spells it "CODE_<n>").
const (
	OK                 Code = 0
	Cancelled          Code = 1
	Unknown            Code = 2
	InvalidArgument    Code = 3
	DeadlineExceeded   Code = 4
	NotFound           Code = 5
	AlreadyExists      Code = 6
	PermissionDenied   Code = 7
	ResourceExhausted  Code = 8
	FailedPrecondition Code = 9
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
	DataLoss           Code = 15
	Unauthenticated    Code = 16
)

var codeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// String is the code's protocol name, e.g. "NOT_FOUND".
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "CODE_" + strconv.FormatUint(uint64(c), 10)
}

// CodeByName is the code named name ("NOT_FOUND"), and whether there is one.
func CodeByName(name string) (Code, bool) {
	for i, n := range codeNames {
		if n == name {
			return Code(i), true
		}
	}
	return 0, false
}

// Error is every error the runtime returns: a remote ERROR, a GOAWAY, a lost connection, a
// deadline, a cancellation, a protocol violation or a bad argument found before sending.
//
// A declared application error (docs/protocol.md 7.2) has Type set to the error type's name
// and Fields to its fields as wire values; generated packages turn it into their own error
// types. Use errors.As to get it, or CodeOf for the code of any error.
type Error struct {
	Code      Code
	Message   string
	Type      string         // the declared error type's name; "" for runtime errors
	Fields    map[string]any // the declared error's fields (wire values); nil otherwise
	Traceback string         // the remote traceback, from a gateway in debug mode only
	// RetrySafe is true when the call was certainly not run (it was above a GOAWAY's
	// last_id, or never sent), so sending it again on another connection is safe.
	RetrySafe bool
	cause     error
}

func (e *Error) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("graft: %s (%s): %s", e.Type, e.Code, e.Message)
	}
	return fmt.Sprintf("graft: %s: %s", e.Code, e.Message)
}

// Unwrap gives the underlying cause, if any (a context error, a network error).
func (e *Error) Unwrap() error { return e.cause }

// Is makes errors.Is(err, context.DeadlineExceeded) and errors.Is(err, context.Canceled) true
// for DEADLINE_EXCEEDED and CANCELLED errors, whatever produced them (the caller's context, the
// gateway, or a Timeout setting). Two *Error match when their codes and types are equal and
// the target's Message is empty, so `errors.Is(err, &graft.Error{Code: graft.NotFound})` works.
func (e *Error) Is(target error) bool {
	switch target {
	case context.DeadlineExceeded:
		return e.Code == DeadlineExceeded
	case context.Canceled:
		return e.Code == Cancelled
	}
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code && (t.Type == "" || t.Type == e.Type)
}

// Errorf makes an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf is err's status code: OK for nil, the code of an *Error in its chain,
// DEADLINE_EXCEEDED or CANCELLED for context errors, UNKNOWN otherwise.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var ge *Error
	switch {
	case errors.As(err, &ge):
		return ge.Code
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return Cancelled
	}
	return Unknown
}

// fromContext is what a call whose context ended reports.
func fromContext(ctx context.Context, what string) *Error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: DeadlineExceeded, Message: what + " did not finish before its deadline", cause: err}
	}
	return &Error{Code: Cancelled, Message: what + " was cancelled", cause: err}
}
