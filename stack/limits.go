package stack

import "fmt"

// Limits bound what one goroutine of a text dump may hold, so that memory
// follows what a real dump needs and never what a hostile input asks for.
// A zero field takes its default; a negative one turns the bound off.
type Limits struct {
	// Frames bounds the frames of one goroutine, its ancestors' included.
	// The runtime prints at most 100 frames a stack and elides the rest;
	// default 10000.
	Frames int
	// LabelBytes bounds the pprof labels of one goroutine, keys and
	// values together; default 64 KiB.
	LabelBytes int
	// NameBytes bounds one function name, file path or wait reason;
	// default 16 KiB (paths stop at 4 KiB on most systems).
	NameBytes int
}

// DefaultLimits are the limits a zero Limits stands for.
var DefaultLimits = Limits{Frames: 10000, LabelBytes: 64 << 10, NameBytes: 16 << 10}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.Frames == 0 {
		l.Frames = DefaultLimits.Frames
	}
	if l.LabelBytes == 0 {
		l.LabelBytes = DefaultLimits.LabelBytes
	}
	if l.NameBytes == 0 {
		l.NameBytes = DefaultLimits.NameBytes
	}
	return l
}

// over reports whether n passes the bound max, which is off when negative.
func over(n, max int) bool { return max >= 0 && n > max }

// LimitError reports input that went past one of a reader's limits. It is
// shared by the text parser and the protobuf reader (pprofstack), so that a
// caller can tell a limit from bad input with one errors.As, and name the
// setting or flag that raises it.
type LimitError struct {
	// Limit is the setting that bounds it: "stack.Limits.Frames",
	// "pprofstack.Limits.Samples".
	Limit string
	// What went past it: "frames in one goroutine".
	What string
	Max  int64
	// Line is the 1-based input line for text, 0 for protobuf.
	Line int
}

func (e *LimitError) Error() string {
	at := ""
	if e.Line > 0 {
		at = fmt.Sprintf("line %d: ", e.Line)
	}
	return fmt.Sprintf("%smore than %d %s: raise %s if the input is genuine", at, e.Max, e.What, e.Limit)
}
