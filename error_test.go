package leakhound_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/classify"
)

func TestLeakErrorMessage(t *testing.T) {
	e := &leakhound.LeakError{Took: 431 * time.Millisecond, Settled: true, Findings: []*leakhound.Finding{
		{Test: "TestA", Finding: &classify.Finding{
			Verdict: classify.Leak, Class: classify.SendNoReceiver, WaitReason: "chan send", Count: 2, Proven: 1,
			GoroutineIDs:       []int64{12, 13},
			BlockedAt:          classify.Location{Func: "example.com/m.f.func1", File: "/src/m/f.go", Line: 23, Source: "ch <- v"},
			CreatedAt:          classify.Location{Func: "example.com/m.f", File: "/src/m/f.go", Line: 21},
			CreatedByGoroutine: 7,
			Stack: []classify.Location{
				{Func: "runtime.gopark"},
				{Func: "example.com/m.send", File: "/src/m/f.go", Line: 30},
				{Func: "example.com/m.f.func1", File: "/src/m/f.go", Line: 23},
			},
			Explanation: "2 goroutines are blocked.", Fix: "Buffer it.",
		}},
		{Finding: &classify.Finding{Verdict: classify.Suspect, Class: classify.MutexDeadlock, WaitReason: "sync.Mutex.Lock", Count: 1,
			BlockedAt: classify.Location{Func: "example.com/m.g", File: "/src/m/g.go", Line: 5}}},
	}}
	if leaked, proven := e.Count(); leaked != 3 || proven != 1 {
		t.Errorf("Count() = %d, %d", leaked, proven)
	}
	msg := e.Error()
	for _, want := range []string{
		"found unexpected goroutines:\n",
		"leakhound: found 3 leaked goroutines, 1 proven by the runtime, 2 suspected after 431ms\n",
		"[1] send-no-receiver (1 proven, 1 suspected): 2 goroutines in \"chan send\"\n",
		"    test:       TestA\n",
		"    blocked at: example.com/m.f.func1\n                /src/m/f.go:23  ch <- v\n",
		"    created at: example.com/m.f\n                /src/m/f.go:21\n",
		"    by:         goroutine 7\n",
		"    ids:        goroutines 12, 13\n",
		"    fix:        Buffer it.\n",
		"    stack:      example.com/m.send\n",
		"[2] mutex-deadlock (suspected): 1 goroutine in \"sync.Mutex.Lock\"\n",
		"    test:       unknown (",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	var le *leakhound.LeakError
	if !errors.As(fmt.Errorf("wrapped: %w", e), &le) || le != e {
		t.Error("errors.As does not reach the *LeakError through wrapping")
	}
}
