// Package leakhound finds goroutine leaks in tests, names the test that
// started them, and says why they block and how to fix it.
//
// It is a drop-in replacement for go.uber.org/goleak v1.3.0: VerifyNone,
// VerifyTestMain, Find and the same options report the same goroutines, and
// failures start with the same lines. It adds the class, explanation and fix
// of each leak, the name of the test that started it, IgnoreIdle for
// goroutines idle by design, and Track, a per-test check that is safe under
// t.Parallel:
//
//	func TestServer(t *testing.T) {
//		leakhound.Track(t)
//		t.Parallel()
//		...
//	}
//
// Track labels the test's goroutine with pprof labels, which every goroutine
// it starts inherits, and at cleanup checks only the goroutines carrying its
// label or started from the test's goroutine. When the runtime offers the goroutineleak profile (Go 1.26 built
// with GOEXPERIMENT=goroutineleakprofile, Go 1.27 and later), goroutines it
// proves leaked are reported at once; the rest get a settle budget (default
// 430ms, the Settle option or LEAKHOUND_SETTLE) to exit before they count.
//
// Failures are *LeakError values carrying the findings of package classify:
// the class of each leak, where it blocks, where it was started, by which
// test, how many, proven or suspected, and the fix.
package leakhound
