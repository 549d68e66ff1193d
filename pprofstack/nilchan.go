package pprofstack

import (
	"github.com/google/pprof/profile"
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
			fn := ln.Function
			if fn == nil {
				continue
			}
			switch fn.Name {
			case "runtime.gopark", "runtime.goparkunlock":
				continue
			case "runtime.chansend":
				return nilPark(fn, ln.Line, "chan send (nil chan)")
			case "runtime.chanrecv":
				return nilPark(fn, ln.Line, "chan receive (nil chan)")
			}
			return "" // the first frame below the park decides
		}
	}
	return ""
}

// nilParkReach is how far into chansend or chanrecv the nil-channel park
// can be: the test comes before any locking, and the blocking park after
// it all.
const nilParkReach = 40

func nilPark(fn *profile.Function, line int64, state string) string {
	if fn.StartLine <= 0 || line < fn.StartLine || line-fn.StartLine >= nilParkReach {
		return ""
	}
	return state
}
