package leakhound

import (
	"fmt"
	"strings"
	"time"

	"github.com/leakhound/leakhound/classify"
)

// LeakError reports leaked goroutines. Find returns it; VerifyNone, Track and
// VerifyTestMain print it. Reach it with errors.As:
//
//	var le *leakhound.LeakError
//	if errors.As(leakhound.Find(), &le) { ... le.Findings ... }
type LeakError struct {
	// Findings group the leaked goroutines by test, class, blocking line
	// and creation site; proven leaks come first.
	Findings []*Finding
	// Settled is set when the check waited for the whole settle budget;
	// it is false when the runtime proved a leak and the check stopped at
	// once.
	Settled bool
	// NotWaited counts goroutines left out of a report made at once on
	// proof: running or sleeping ones that might still have finished.
	NotWaited int
	// Took is how long the check ran.
	Took time.Duration
}

// Finding is one group of leaked goroutines and the test that started them.
type Finding struct {
	*classify.Finding
	// Test is the name of the test that started the goroutines, from
	// Track's labels or from the go statements that led to them; empty when
	// unknown.
	Test string
}

// Count returns the number of leaked goroutines and how many of them the
// runtime proved leaked.
func (e *LeakError) Count() (leaked, proven int) {
	for _, f := range e.Findings {
		leaked += f.Count
		proven += f.Proven
	}
	return leaked, proven
}

// Error prints the findings for a go test log: a summary line, then one
// block per finding.
func (e *LeakError) Error() string {
	var b strings.Builder
	n, p := e.Count()
	fmt.Fprintf(&b, "leakhound: found %s", plural(n, "leaked goroutine"))
	switch {
	case p == n:
		b.WriteString(", proven by the runtime")
	case p > 0:
		fmt.Fprintf(&b, ", %d proven by the runtime, %d suspected after %v", p, n-p, e.Took.Round(time.Millisecond))
	default:
		fmt.Fprintf(&b, ", still there after %v", e.Took.Round(time.Millisecond))
	}
	if e.NotWaited > 0 {
		fmt.Fprintf(&b, " (%s not waited for)", plural(e.NotWaited, "running goroutine"))
	}
	b.WriteString("\n")
	for i, f := range e.Findings {
		b.WriteString("\n")
		f.write(&b, i+1)
	}
	return b.String()
}

func (f *Finding) write(b *strings.Builder, i int) {
	how := "suspected"
	if f.Proven > 0 {
		how = "proven"
		if f.Proven < f.Count {
			how = fmt.Sprintf("%d proven, %d suspected", f.Proven, f.Count-f.Proven)
		}
	}
	fmt.Fprintf(b, "[%d] %s (%s): %s in %q\n", i, f.Class, how, plural(f.Count, "goroutine"), f.WaitReason)
	test := f.Test
	if test == "" {
		test = "unknown (call leakhound.Track(t) first in each test, or run with GODEBUG=tracebackancestors=10, to name it)"
	}
	fmt.Fprintf(b, "    test:       %s\n", test)
	writeLoc(b, "blocked at:", f.BlockedAt)
	if f.CreatedAt.Func != "" {
		writeLoc(b, "created at:", f.CreatedAt)
	}
	if f.CreatedByGoroutine != 0 {
		fmt.Fprintf(b, "    by:         goroutine %d\n", f.CreatedByGoroutine)
	}
	if len(f.GoroutineIDs) > 0 {
		fmt.Fprintf(b, "    goroutines: %s\n", ids(f.GoroutineIDs))
	}
	if f.Explanation != "" {
		fmt.Fprintf(b, "    why:        %s\n", f.Explanation)
	}
	if f.Fix != "" {
		fmt.Fprintf(b, "    fix:        %s\n", f.Fix)
	}
	// The stack adds to the blocking line only when user code called
	// through more than one frame.
	var user []classify.Location
	for _, l := range f.Stack {
		if !strings.HasPrefix(l.Func, "runtime.") && !strings.HasPrefix(l.Func, "internal/") {
			user = append(user, l)
		}
	}
	if len(user) < 2 {
		return
	}
	for i, l := range user {
		head := "    stack:      "
		if i > 0 {
			head = "                "
		}
		fmt.Fprintf(b, "%s%s\n                    %s:%d\n", head, l.Func, l.File, l.Line)
	}
}

func writeLoc(b *strings.Builder, what string, l classify.Location) {
	fmt.Fprintf(b, "    %-11s %s\n                %s:%d", what, l.Func, l.File, l.Line)
	if l.Source != "" {
		fmt.Fprintf(b, "  %s", l.Source)
	}
	b.WriteString("\n")
}

func ids(v []int64) string {
	var b strings.Builder
	for i, id := range v {
		if i == 8 {
			fmt.Fprintf(&b, " and %d more", len(v)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, id)
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
