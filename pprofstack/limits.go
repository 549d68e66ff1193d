package pprofstack

import (
	"errors"

	"github.com/leakhound/leakhound/stack"
)

// Limits bound what a profile may make the reader hold. Every count is
// checked while the profile is read, before anything is allocated for it,
// so memory follows what is kept and never what a profile declares. A
// zero field takes its default from DefaultLimits; a negative one turns
// the bound off. Going past a limit is a *stack.LimitError naming the
// field, "pprofstack.Limits.Samples".
type Limits struct {
	// Bytes bounds the profile once decompressed.
	Bytes int64
	// Samples bounds the sample messages; Stacks those kept, the ones that
	// count goroutines (the runtime writes one per stack and label set),
	// each of which becomes a *stack.Goroutine.
	Samples int
	Stacks  int
	// Locations, Functions, Mappings and Strings bound the profile's
	// tables.
	Locations int
	Functions int
	Mappings  int
	Strings   int
	// Frames bounds the frames of one stack (a location's inlined calls
	// count one each); TotalFrames those of all stacks kept together.
	Frames      int
	TotalFrames int
	// LabelBytes bounds the labels of one sample, keys and values.
	LabelBytes int
	// NameBytes bounds one string the reader keeps: a function name, a
	// file path, a label, a build id.
	NameBytes int
}

// DefaultLimits read any goroutine profile a real process writes (100k
// goroutines with distinct stacks make a few MB) with room to spare.
var DefaultLimits = Limits{
	Bytes:       MaxSize,
	Samples:     1 << 20,
	Stacks:      1 << 18,
	Locations:   1 << 19,
	Functions:   1 << 19,
	Mappings:    1 << 14,
	Strings:     1 << 20,
	Frames:      4096,
	TotalFrames: 1 << 22,
	LabelBytes:  64 << 10,
	NameBytes:   64 << 10,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	def := func(v *int, dv int) {
		if *v == 0 {
			*v = dv
		}
	}
	if l.Bytes == 0 {
		l.Bytes = d.Bytes
	}
	def(&l.Samples, d.Samples)
	def(&l.Stacks, d.Stacks)
	def(&l.Locations, d.Locations)
	def(&l.Functions, d.Functions)
	def(&l.Mappings, d.Mappings)
	def(&l.Strings, d.Strings)
	def(&l.Frames, d.Frames)
	def(&l.TotalFrames, d.TotalFrames)
	def(&l.LabelBytes, d.LabelBytes)
	def(&l.NameBytes, d.NameBytes)
	return l
}

// check returns a *stack.LimitError when n passes max (off when negative).
func check(n, max int, field, what string) error {
	if max >= 0 && n > max {
		return &stack.LimitError{Limit: "pprofstack.Limits." + field, What: what, Max: int64(max)}
	}
	return nil
}

// ErrInvalid is wrapped by every error about a profile that breaks the
// format's rules: a field of the wrong kind, an id that names nothing, a
// count that cannot be true.
var ErrInvalid = errors.New("invalid pprof profile")

// ErrTruncated is wrapped by errors about a profile that ends before its
// own lengths say it does: a body or a file cut short.
var ErrTruncated = errors.New("pprof profile cut short")
