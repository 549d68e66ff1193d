// Package pprofstack reads goroutine and goroutineleak profiles in pprof's
// protobuf format (/debug/pprof/goroutine?debug=0, gzipped) into the stack
// parser's goroutines, through github.com/google/pprof/profile. It lives
// apart from the parser so the core stays free of dependencies.
package pprofstack

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/leakhound/leakhound/stack"
)

// MaxSize bounds a profile once decompressed: a goroutine profile of 100k
// goroutines with distinct stacks is a few MB, and a gzip bomb must not
// take the machine down.
const MaxSize = 256 << 20

// Parse reads a protobuf profile, gzipped or not, and returns one goroutine
// per sample, with Count set to the number of goroutines that share it.
func Parse(r io.Reader) ([]*stack.Goroutine, error) {
	p, err := Read(r)
	if err != nil {
		return nil, err
	}
	return Goroutines(p)
}

// Read decodes a protobuf profile, gzipped or not, of at most MaxSize bytes
// once decompressed.
func Read(r io.Reader) (*profile.Profile, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("not a pprof profile: %w", err)
		}
		r = zr
	} else {
		r = br
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("not a pprof profile: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("profile larger than %d MiB uncompressed", MaxSize>>20)
	}
	p, err := profile.ParseUncompressed(data)
	if err != nil {
		return nil, fmt.Errorf("not a pprof profile: %w", err)
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
		fmt.Fprintf(&b, "%x %s %s;", m.Start, m.BuildID, m.File)
	}
	return b.String()
}

// Goroutines converts the samples of a goroutine or goroutineleak profile.
// Inlined calls, which share one location, become frames of their own,
// innermost first as in a traceback.
func Goroutines(p *profile.Profile) ([]*stack.Goroutine, error) {
	if len(p.SampleType) == 0 || !slices.Contains([]string{"goroutine", "goroutineleak"}, p.SampleType[0].Type) {
		var t string
		if len(p.SampleType) > 0 {
			t = p.SampleType[0].Type
		}
		return nil, fmt.Errorf("a %q profile, not a goroutine profile", t)
	}
	out := make([]*stack.Goroutine, 0, len(p.Sample))
	for _, s := range p.Sample {
		if len(s.Value) == 0 {
			continue
		}
		g := &stack.Goroutine{Count: int(s.Value[0]), State: nilChanState(s)}
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				if ln.Function == nil {
					continue
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
		if p.SampleType[0].Type == "goroutineleak" {
			g.Leaked = true
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
