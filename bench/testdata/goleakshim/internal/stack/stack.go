// Package stack gives goleak's tests the goroutine list they use to wait
// for a quiet process, read with leakhound's parser.
package stack

import (
	"bytes"
	"fmt"
	"runtime"

	"github.com/leakhound/leakhound/stack"
)

// Stack is one goroutine.
type Stack struct {
	g    *stack.Goroutine
	full string
}

func (s Stack) ID() int       { return int(s.g.ID) }
func (s Stack) State() string { return s.g.State }
func (s Stack) Full() string  { return s.full }

func (s Stack) FirstFunction() string {
	if len(s.g.Stack) == 0 {
		return ""
	}
	return string(s.g.Stack[0].Func)
}

func (s Stack) HasFunction(name string) bool {
	for _, f := range s.g.Stack {
		if string(f.Func) == name {
			return true
		}
	}
	return false
}

func (s Stack) String() string {
	return fmt.Sprintf("Goroutine %v in state %v, with %v on top of the stack:\n%s", s.ID(), s.State(), s.FirstFunction(), s.full)
}

// All returns every goroutine.
func All() []Stack { return get(true) }

// Current returns the caller's goroutine.
func Current() Stack { return get(false)[0] }

func get(all bool) []Stack {
	buf := make([]byte, 64<<10)
	n := runtime.Stack(buf, all)
	for n == len(buf) {
		buf = make([]byte, 2*len(buf))
		n = runtime.Stack(buf, all)
	}
	gs, err := stack.Parse(bytes.NewReader(buf[:n]), stack.Options{})
	if err != nil {
		panic(err)
	}
	blocks := bytes.Split(buf[:n], []byte("\n\n"))
	out := make([]Stack, len(gs))
	for i, g := range gs {
		full := ""
		if i < len(blocks) {
			if _, body, ok := bytes.Cut(blocks[i], []byte("\n")); ok {
				full = string(body) + "\n"
			}
		}
		out[i] = Stack{g: g, full: full}
	}
	return out
}
