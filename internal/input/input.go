// Package input reads goroutines from whatever a user hands leakhound: text
// dumps and profiles through the stack parser, protobuf profiles through
// pprofstack, telling them apart by their first bytes.
package input

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/stack"
)

// Options configure Read.
type Options struct {
	stack.Options
	// MaxProto bounds a protobuf profile, which is read whole.
	MaxProto int64
}

// Read feeds every goroutine in r to add and returns how many it found. add
// must not keep the goroutine it is given (it is reused); Clone it.
func Read(r io.Reader, opt Options, add func(*stack.Goroutine)) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(3)
	if isProto(head) {
		max := opt.MaxProto
		if max == 0 {
			max = 256 << 20
		}
		gs, err := pprofstack.Parse(io.LimitReader(br, max))
		if err != nil {
			return 0, err
		}
		for _, g := range gs {
			add(g)
		}
		return len(gs), nil
	}
	p := stack.NewParser(br, opt.Options)
	n := 0
	for p.Next() {
		add(p.Goroutine())
		n++
	}
	return n, p.Err()
}

// isProto tells a gzip stream (how pprof serves debug=0) or an uncompressed
// protobuf Profile from text. An uncompressed profile starts with its first
// sample_type: field 1 (0x0a), a length, then the ValueType's field 1 (0x08);
// text that starts with a newline has no 0x08 two bytes on.
func isProto(head []byte) bool {
	return bytes.HasPrefix(head, []byte{0x1f, 0x8b}) || (len(head) == 3 && head[0] == 0x0a && head[2] == 0x08)
}

// ErrEmpty is returned by callers when the input held no goroutine.
func ErrEmpty(name string) error {
	return fmt.Errorf("%s: no goroutine dump or profile found (expected runtime.Stack output, a panic, /debug/pprof/goroutine?debug=1|2, or a protobuf profile)", name)
}
