package pprofstack

import (
	"github.com/google/pprof/profile"

	"github.com/leakhound/leakhound/stack"
)

// nilChanState tells a goroutine parked on a nil channel from one parked on
// a channel that nobody uses, which a profile otherwise shows alike: it has
// no wait reason, and the two park from the same runtime functions. They
// park from different call sites, though: runtime.chansend and
// runtime.chanrecv test for a nil channel first thing and park right there,
// a few lines into the function, while a blocking operation parks a hundred
// lines further down. Profiles written since Go 1.20 carry each function's
// start line, so the distance from it holds for every Go version since,
// where the absolute lines move with every release (measured: 5 and 107
// lines into chansend, 12 and 143 into chanrecv, Go 1.26 and 1.27).
//
// It returns the wait reason a traceback would print, or "" when the stack
// is not parked in a channel operation or the profile cannot tell.
func nilChanState(s *profile.Sample) string {
	for _, loc := range s.Location {
		if loc == nil {
			continue
		}
		for _, ln := range loc.Line {
			if ln.Function == nil {
				continue
			}
			if st, done := nilPark(ln.Function.Name, ln.Line, ln.Function.StartLine); done {
				return st
			}
		}
	}
	return ""
}

// nilParkState is nilChanState for decoded frames, innermost first, with
// the start line of each frame's function.
func nilParkState(frames []stack.Frame, starts []int64) string {
	for i, f := range frames {
		if st, done := nilPark(string(f.Func), int64(f.Line), starts[i]); done {
			return st
		}
	}
	return ""
}

// nilParkReach is how far into chansend or chanrecv the nil-channel park
// can be: the test comes before any locking, and the blocking park after
// it all.
const nilParkReach = 40

// nilPark looks at one frame from the innermost out: the park functions
// are passed over, and the first frame below them decides (done).
func nilPark(fn string, line, start int64) (state string, done bool) {
	switch fn {
	case "runtime.gopark", "runtime.goparkunlock":
		return "", false
	case "runtime.chansend":
		state = "chan send (nil chan)"
	case "runtime.chanrecv":
		state = "chan receive (nil chan)"
	default:
		return "", true
	}
	if start <= 0 || line < start || line-start >= nilParkReach {
		return "", true
	}
	return state, true
}
