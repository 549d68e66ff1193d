// Package input reads goroutines from whatever a user hands leakhound: text
// dumps and profiles through the stack parser, protobuf profiles through
// pprofstack, telling them apart by their first bytes.
package input

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/stack"
)

// Options configure Read. Text is read as it streams, within
// Options.Limits for each goroutine; a protobuf profile is read whole,
// within MaxProto and Proto. Either may come gzipped.
type Options struct {
	stack.Options
	// MaxProto bounds a protobuf profile, or any gzipped input, as it
	// arrives; 0 means 256 MiB, negative no bound. More is a
	// *stack.LimitError.
	MaxProto int64
	// Proto bounds the profile once decompressed and what it may hold;
	// the zero value takes pprofstack.DefaultLimits.
	Proto pprofstack.Limits
}

// DefaultMaxProto is what a zero Options.MaxProto stands for.
const DefaultMaxProto = 256 << 20

// Read feeds every goroutine in r to add and returns how many it found. add
// must not keep the goroutine it is given (it is reused); Clone it. An
// input that cannot be read, or that ends before its format says it does,
// is an error, never a smaller dump.
func Read(r io.Reader, opt Options, add func(*stack.Goroutine)) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return 0, err
	}
	if bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
		// Gzip: how pprof serves a protobuf profile, and how dumps are
		// often kept. What is inside decides.
		var in io.Reader = br
		if max := maxProto(opt); max > 0 {
			in = &capped{r: br, left: max, max: max}
		}
		zr, err := gzip.NewReader(in)
		if err != nil {
			return 0, fmt.Errorf("%w: %v", pprofstack.ErrInvalid, err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
		if head, err = br.Peek(3); err != nil && err != io.EOF {
			return 0, err
		}
		if !isProto(head) {
			// A gzipped file was handed over, not piped through: what
			// surrounds its dump is not the user's output to pass on.
			opt.Passthrough = nil
			return readText(br, opt, add)
		}
		opt.MaxProto = -1 // counted on the compressed bytes already
	}
	if isProto(head) {
		var in io.Reader = br
		if max := maxProto(opt); max > 0 {
			in = &capped{r: in, left: max, max: max}
		}
		p, err := pprofstack.Decode(in, opt.Proto)
		if err != nil {
			return 0, err
		}
		for _, g := range p.Goroutines {
			add(g)
		}
		if len(p.Goroutines) == 0 {
			return 0, ErrEmptyProfile
		}
		return len(p.Goroutines), nil
	}
	return readText(br, opt, add)
}

func readText(r io.Reader, opt Options, add func(*stack.Goroutine)) (int, error) {
	p := stack.NewParser(r, opt.Options)
	n := 0
	for p.Next() {
		add(p.Goroutine())
		n++
	}
	if n == 0 && p.Err() == nil && p.Profiled() {
		return 0, ErrEmptyProfile
	}
	return n, p.Err()
}

// ErrEmptyProfile is Read's answer to a goroutine or goroutineleak profile
// that lists no goroutine: a true, empty answer (the runtime proved no
// leak), not input without goroutines.
var ErrEmptyProfile = errors.New("the profile lists no goroutines")

func maxProto(opt Options) int64 {
	if opt.MaxProto == 0 {
		return DefaultMaxProto
	}
	return opt.MaxProto
}

// capped fails, rather than ending early as io.LimitReader does, when its
// reader holds more than max bytes: a profile cut at the bound would read
// as a smaller one.
type capped struct {
	r         io.Reader
	left, max int64
}

func (c *capped) Read(b []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := io.ReadFull(c.r, one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, &stack.LimitError{Limit: "input.Options.MaxProto", What: "bytes of protobuf or gzipped input", Max: c.max}
	}
	if int64(len(b)) > c.left {
		b = b[:c.left]
	}
	n, err := c.r.Read(b)
	c.left -= int64(n)
	return n, err
}

// isProto tells an uncompressed protobuf Profile from text by its first
// field: a message (sample type, sample, mapping, location, function,
// period type) whose own first field is a varint, 0x08, two bytes on, or
// the string table's leading "". Text has no backspace (0x08) or NUL.
func isProto(head []byte) bool {
	if len(head) < 3 {
		return false
	}
	switch head[0] {
	case 0x0a, 0x1a, 0x22, 0x2a, 0x5a: // fields 1, 3, 4, 5, 11
		return head[2] == 0x08
	case 0x12: // a sample: location ids, packed or not, or values
		return head[2] == 0x08 || head[2] == 0x0a || head[2] == 0x10
	case 0x32: // the string table, which starts with ""
		return head[1] == 0x00
	}
	return false
}

// ErrEmpty is returned by callers when the input held no goroutine.
func ErrEmpty(name string) error {
	return fmt.Errorf("%s: no goroutine dump or profile found (expected runtime.Stack output, a panic, /debug/pprof/goroutine?debug=1|2, or a protobuf profile)", name)
}

// Truncated reports whether err says the input ended before its format
// says it should: a protobuf profile or gzip stream cut short, a debug=1
// profile whose records fall short of its total, or a text dump that ends
// inside a goroutine.
func Truncated(err error) bool {
	if errors.Is(err, pprofstack.ErrTruncated) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var se *stack.SyntaxError
	return errors.As(err, &se) && se.Truncated
}
