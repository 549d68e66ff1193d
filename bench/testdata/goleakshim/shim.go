// Package goleak is a forwarding shim: goleak v1.3.0's API, each function
// handing its arguments to leakhound's of the same name. leakhound's bench
// module copies it beside goleak's own API-level tests, under goleak's
// module path, and runs them (see ../../goleak_compat_test.go).
package goleak

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/leakhound/leakhound"
)

// Option, TestingT and TestingM are leakhound's: the same shapes.
type (
	Option   = leakhound.Option
	TestingT = leakhound.TestingT
	TestingM = leakhound.TestingM
)

// goleak's stubs for VerifyTestMain's exit and output, which its tests set.
var (
	_osExit             = os.Exit
	_osStderr io.Writer = os.Stderr
)

func Find(options ...Option) error { return leakhound.Find(options...) }

func VerifyNone(t TestingT, options ...Option) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	leakhound.VerifyNone(t, options...)
}

// VerifyTestMain routes leakhound's exit through _osExit (an option given
// later, Cleanup, replaces it, as in goleak) and its report, written to
// os.Stderr, to _osStderr, through a file so that no goroutine of the shim
// is there to be reported.
func VerifyTestMain(m TestingM, options ...Option) {
	f, err := os.CreateTemp("", "goleakshim-stderr-")
	if err != nil {
		panic(err)
	}
	defer os.Remove(f.Name())
	saved := os.Stderr
	os.Stderr = f
	var once sync.Once
	restore := func() {
		once.Do(func() {
			os.Stderr = saved
			f.Close()
			if b, err := os.ReadFile(f.Name()); err == nil && _osStderr != nil {
				_osStderr.Write(b)
			}
		})
	}
	defer restore()
	exit := leakhound.Cleanup(func(code int) {
		restore()
		_osExit(code)
	})
	leakhound.VerifyTestMain(m, append([]Option{exit}, options...)...)
}

func IgnoreTopFunction(f string) Option   { return leakhound.IgnoreTopFunction(f) }
func IgnoreAnyFunction(f string) Option   { return leakhound.IgnoreAnyFunction(f) }
func IgnoreCurrent() Option               { return leakhound.IgnoreCurrent() }
func Cleanup(f func(exitCode int)) Option { return leakhound.Cleanup(f) }

// maxSleep caps goleak's backoff between its 20 retries at d; leakhound's
// budget is the total those sleeps add up to.
func maxSleep(d time.Duration) Option {
	var total time.Duration
	for i := range 20 {
		total += min(time.Microsecond<<i, d)
	}
	return leakhound.Settle(total)
}
