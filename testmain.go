package leakhound

import (
	"fmt"
	"io"
	"os"

	"github.com/leakhound/leakhound/stack"
)

// TestingM is the part of testing.M that VerifyTestMain uses.
type TestingM interface {
	Run() int
}

// Replaced by tests.
var (
	osExit           = os.Exit
	stderr io.Writer = os.Stderr
)

// VerifyTestMain runs the tests and, if they passed, fails the test binary
// when goroutines are left over, naming the test that started each one
// where it can be told (see Track). Use it as the whole of TestMain:
//
//	func TestMain(m *testing.M) {
//		leakhound.VerifyTestMain(m)
//	}
//
// With Cleanup, the given function gets the exit code instead of os.Exit.
func VerifyTestMain(m TestingM, options ...Option) {
	exit := osExit
	o, err := buildOpts(atTestMain, options...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		exit(2)
		return
	}
	if o.cleanup != nil {
		exit = o.cleanup
	}
	enableLabels()
	code := m.Run()
	if code == 0 || o.runOnFailure {
		self, _ := current()
		c := &checker{o: o, keep: func(g *stack.Goroutine) bool {
			return g.ID != self && !o.ignoreIDs[g.ID] && !reported.has(g.ID)
		}}
		if err := find(o, c); err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	exit(code)
}
