package leakhound

import (
	"fmt"
	"strings"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/stack"
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

	// The goroutines of Findings, in dump order, and the dump they came
	// from, for goleak's listing and VerifyTestMain's naming.
	goroutines []*stack.Goroutine
	snap       *snap
	early      bool
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

// Error prints what goleak prints, "found unexpected goroutines:" and the
// stack of each goroutine, for the people and tools that look for it; then
// the findings: a summary line, then one block per finding.
func (e *LeakError) Error() string {
	var b strings.Builder
	b.WriteString("found unexpected goroutines:\n")
	if len(e.goroutines) > 0 {
		b.WriteString("[")
		for i, g := range e.goroutines {
			if i > 0 {
				b.WriteString(" ")
			}
			state := g.State
			if g.Minutes > 0 {
				state += ", " + plural(g.Minutes, "minute")
			}
			fmt.Fprintf(&b, "Goroutine %d in state %s, with %s on top of the stack:\n", g.ID, state, firstFunc(g))
			if raw, ok := e.snap.raw[g.ID]; ok {
				b.WriteString(raw)
			} else {
				writeStack(&b, g)
			}
		}
		b.WriteString("]\n")
	}
	b.WriteString("\n")
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
		test = "unknown (call leakhound.Track(t) first in each test to name it)"
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
		word := "goroutine"
		if len(f.GoroutineIDs) > 1 {
			word = "goroutines"
		}
		fmt.Fprintf(b, "    ids:        %s %s\n", word, ids(f.GoroutineIDs))
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

// writeStack prints g's frames as the runtime does, for a goroutine whose
// text was not kept.
func writeStack(b *strings.Builder, g *stack.Goroutine) {
	for _, f := range g.Stack {
		fmt.Fprintf(b, "%s(...)\n\t%s:%d\n", f.Func, f.File, f.Line)
	}
	if g.CreatedBy.Func != "" {
		fmt.Fprintf(b, "created by %s in goroutine %d\n\t%s:%d\n", g.CreatedBy.Func, g.CreatorID, g.CreatedBy.File, g.CreatedBy.Line)
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
