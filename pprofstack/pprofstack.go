// Package pprofstack reads goroutine and goroutineleak profiles in pprof's
// protobuf format (/debug/pprof/goroutine?debug=0, gzipped) into the stack
// parser's goroutines. It decodes the protobuf itself, within Limits,
// and offers github.com/google/pprof/profile's Profile to callers that
// want it. It lives apart from the parser so the core stays free of
// dependencies.
package pprofstack

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/leakhound/leakhound/stack"
)

// MaxSize is the default bound on a profile once decompressed
// (DefaultLimits.Bytes): a goroutine profile of 100k goroutines with
// distinct stacks is a few MB, and a gzip bomb must not take the machine
// down.
const MaxSize = 64 << 20

// Parse reads a protobuf profile, gzipped or not, within DefaultLimits and
// returns one goroutine per sample, with Count set to the number of
// goroutines that share it.
func Parse(r io.Reader) ([]*stack.Goroutine, error) {
	p, err := Decode(r, Limits{})
	if err != nil {
		return nil, err
	}
	return p.Goroutines, nil
}

// Read decodes a protobuf profile, gzipped or not, within DefaultLimits,
// into google/pprof's form. The profile is validated and bounded first,
// so that the library's decoder, which allocates for every element a
// profile declares, only ever sees what the limits allow.
func Read(r io.Reader) (*profile.Profile, error) {
	return readLimits(r, DefaultLimits)
}

func readLimits(r io.Reader, lim Limits) (*profile.Profile, error) {
	lim = lim.withDefaults()
	data, err := readAll(r, lim)
	if err != nil {
		return nil, err
	}
	if _, err := decode(data, lim, false); err != nil {
		return nil, err
	}
	p, err := profile.ParseUncompressed(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return p, nil
}

// Process identifies the process that wrote p, so that a watcher can tell
// a restart between two samples that both answered: two profiles of one
// process give the same string, and a new process gives another when its
// binary changed (the build id) or the system randomises where mappings
// load (Linux moves the vdso on every exec unless ASLR is off; macOS and
// Windows move the executable itself). "" when p lists no mappings.
func Process(p *profile.Profile) string {
	var b strings.Builder
	for _, m := range p.Mapping {
		if m != nil {
			fmt.Fprintf(&b, "%x %s %s;", m.Start, m.BuildID, m.File)
		}
	}
	return b.String()
}

// Goroutines converts the samples of a goroutine or goroutineleak profile.
// Inlined calls, which share one location, become frames of their own,
// innermost first as in a traceback. p may come from anywhere: a sample
// or line that points at nothing, and a count that cannot be true, are
// errors.
func Goroutines(p *profile.Profile) ([]*stack.Goroutine, error) {
	if len(p.SampleType) == 0 || p.SampleType[0] == nil || !slices.Contains([]string{"goroutine", "goroutineleak"}, p.SampleType[0].Type) {
		var t string
		if len(p.SampleType) > 0 && p.SampleType[0] != nil {
			t = p.SampleType[0].Type
		}
		return nil, fmt.Errorf("a %q profile, not a goroutine profile", t)
	}
	leaked := p.SampleType[0].Type == "goroutineleak"
	out := make([]*stack.Goroutine, 0, len(p.Sample))
	var total int64
	for i, s := range p.Sample {
		if s == nil {
			return nil, fmt.Errorf("%w: sample %d is nil", ErrInvalid, i+1)
		}
		if len(s.Value) == 0 {
			continue
		}
		n := s.Value[0]
		if n < 0 || n > maxGoroutines-total {
			return nil, fmt.Errorf("%w: sample %d: a count of %d goroutines cannot be true", ErrInvalid, i+1, n)
		}
		if n == 0 {
			continue
		}
		total += n
		g := &stack.Goroutine{Count: int(n), Leaked: leaked, State: nilChanState(s)}
		for _, loc := range s.Location {
			if loc == nil {
				return nil, fmt.Errorf("%w: sample %d points at a location the profile does not define", ErrInvalid, i+1)
			}
			for _, ln := range loc.Line {
				if ln.Function == nil {
					return nil, fmt.Errorf("%w: location %d has a line with no function", ErrInvalid, loc.ID)
				}
				if ln.Line < 0 || ln.Line > math.MaxInt32 {
					return nil, fmt.Errorf("%w: location %d: line number %d", ErrInvalid, loc.ID, ln.Line)
				}
				g.Stack = append(g.Stack, stack.Frame{
					Func: stack.Func(shortGeneric(ln.Function.Name)),
					File: ln.Function.Filename,
					Line: int(ln.Line),
				})
			}
		}
		for _, k := range sortedKeys(s.Label) {
			for _, v := range s.Label[k] {
				g.Labels = append(g.Labels, stack.Label{Key: k, Value: v})
			}
		}
		out = append(out, g)
	}
	return out, nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// shortGeneric prints type arguments as tracebacks do, "F[...]", so that
// profiles and dumps name generic functions alike.
func shortGeneric(name string) string {
	open := strings.IndexByte(name, '[')
	if open < 0 {
		return name
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '[':
			if depth == 0 {
				b.WriteString("[...]")
			}
			depth++
		case c == ']':
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}
