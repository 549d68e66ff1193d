package scenario

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"go/version"
	"io"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/scenario/scenariotest"
)

func TestTable(t *testing.T) {
	covered := map[classify.Class]bool{}
	for _, s := range All {
		covered[s.Class] = true
		if classify.Lookup(s.Class) == nil {
			t.Errorf("%s: class %q is not in classify.Classes", s.Name, s.Class)
		}
		if s.Leak != s.Class.IsLeak() {
			t.Errorf("%s: Leak = %v, but class %s has IsLeak() = %v", s.Name, s.Leak, s.Class, s.Class.IsLeak())
		}
		if s.Proven && !s.Leak {
			t.Errorf("%s: proven but not a leak", s.Name)
		}
		if s.Count < 1 || s.Func == "" || s.Doc == "" || s.Start == nil {
			t.Errorf("%s: incomplete: %+v", s.Name, s)
		}
		if Lookup(s.Name) == nil || Lookup(s.Name).Func != s.Func {
			t.Errorf("Lookup(%q) does not return it", s.Name)
		}
	}
	for _, info := range classify.Classes {
		// unknown-wait is what a debug=1 profile makes of any channel
		// wait: a form's class, not a way to block.
		if info.Leak && !covered[info.Class] && info.Class != classify.UnknownWait {
			t.Errorf("no scenario for leak class %s", info.Class)
		}
	}
	for _, c := range []classify.Class{classify.Sleeping, classify.Running, classify.Idle} {
		if !covered[c] {
			t.Errorf("no scenario for benign class %s", c)
		}
	}
	for _, n := range DeadlockSet {
		if Lookup(n) == nil {
			t.Errorf("DeadlockSet names unknown scenario %q", n)
		}
	}
	if err := Start("send-no-receiver", "no-such-scenario"); err == nil || !strings.Contains(err.Error(), "no-such-scenario") {
		t.Errorf("Start with an unknown name: err = %v, want one naming it", err)
	}
}

func TestWaitReason(t *testing.T) {
	for header, want := range map[string]string{
		"goroutine 7 [chan send]:":                                        "chan send",
		"goroutine 7 [chan send, 2 minutes]:":                             "chan send",
		"goroutine 7 [chan receive (nil chan) (leaked)]:":                 "chan receive (nil chan)",
		"goroutine 1 gp=0xc000002380 m=0 mp=0x9a4f60 [running]:":          "running",
		"goroutine 55 [sleep, locked to thread]:":                         "sleep",
		`goroutine 9 [chan receive labels:{"role": "worker", "k": "v"}]:`: "chan receive",
		`goroutine 9 [select (leaked) labels:{"a": "b"}, 3 minutes]:`:     "select",
		"goroutine 19 [chan receive] {k: v}:":                             "chan receive",
		`goroutine 19 [select (leaked), 3 minutes] {a: "]x", b: c}:`:      "select",
		"not a header":                          "",
		"goroutine 3 [sync.Mutex.Lock (scan)]:": "sync.Mutex.Lock",
		"goroutine 3 [sync.WaitGroup.Wait (durable), synctest bubble 1]:":     "sync.WaitGroup.Wait (durable)",
		"goroutine 12 gp=0xc0000a4000 m=nil [select (no cases), 11 minutes]:": "select (no cases)",
	} {
		if got := waitReason(header); got != want {
			t.Errorf("waitReason(%q) = %q, want %q", header, got, want)
		}
	}
}

// goroutine is one block of a text dump.
type goroutine struct{ header, frames string }

// labelled matches a header with pprof labels after the bracket, as Go 1.27
// prints them: "goroutine 19 [chan receive] {k: v}:".
var labelledHeader = regexp.MustCompile(`^goroutine \d+ .*\] \{.*\}:$`)

func isHeader(line string) bool {
	return strings.HasPrefix(line, "goroutine ") && (strings.HasSuffix(line, "]:") || labelledHeader.MatchString(line))
}

func parseText(dump []byte) []goroutine {
	var gs []goroutine
	for _, block := range strings.Split(string(dump), "\n\n") {
		block = strings.TrimLeft(block, "\n")
		header, frames, _ := strings.Cut(block, "\n")
		if isHeader(header) {
			gs = append(gs, goroutine{header, frames})
		}
	}
	return gs
}

// count returns how many goroutines of gs block in s's function with its
// wait reason, and how many of those are marked leaked.
func count(gs []goroutine, s *Scenario) (n, leaked int) {
	for _, g := range gs {
		if !inFunc(g.frames, s.Func) {
			continue
		}
		r := waitReason(g.header)
		// A goroutine that never blocks shows as running, runnable, or,
		// when the dump stopped it by asynchronous preemption, preempted.
		if r == s.Wait || s.Wait == "" && (r == "running" || r == "runnable" || r == "preempted") {
			n++
			if strings.Contains(g.header, " (leaked)") {
				leaked++
			}
		}
	}
	return n, leaked
}

// checkText checks that every scenario in names has its goroutines in the
// dump with the right wait reason, and that no other scenario's are there.
func checkText(t *testing.T, dump []byte, names []string) []goroutine {
	t.Helper()
	gs := parseText(dump)
	if len(gs) == 0 {
		t.Fatalf("no goroutine headers in:\n%s", dump)
	}
	started := map[string]bool{}
	for _, n := range names {
		started[n] = true
	}
	for i := range All {
		s := &All[i]
		n, _ := count(gs, s)
		switch {
		case !started[s.Name]:
			if n != 0 && s.Name != "signal-notify" { // os/signal's loop is not ours alone
				t.Errorf("%s was not started but %d goroutines block in %s", s.Name, n, s.Func)
			}
		case s.Name == "busy" && n == 0 && bytes.Contains(dump, []byte("goroutine running on other thread; stack unavailable")):
			// A dying process cannot show a goroutine running elsewhere.
		case n != s.Count:
			t.Errorf("%s: %d goroutines blocked in %s [%s], want %d; headers of those in it: %q", s.Name, n, s.Func, s.Wait, s.Count, headersOf(gs, s.Func))
		}
	}
	return gs
}

// headersOf returns the headers of the goroutines of gs whose frames call fn,
// to tell a failure's reader what state they were in.
func headersOf(gs []goroutine, fn string) []string {
	var out []string
	for _, g := range gs {
		if inFunc(g.frames, fn) {
			out = append(out, g.header)
		}
	}
	return out
}

// profileCounts sums the goroutine counts of debug=1 profile records by the
// functions in their stacks.
func profileCounts(t *testing.T, dump []byte) (total int, byFunc map[string]int) {
	t.Helper()
	byFunc = map[string]int{}
	header, rest, _ := strings.Cut(string(dump), "\n")
	m := regexp.MustCompile(`^goroutine(leak)? profile: total (\d+)$`).FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("not a debug=1 goroutine profile: first line %q", header)
	}
	total, _ = strconv.Atoi(m[2])
	sum := 0
	for _, rec := range strings.Split(rest, "\n\n") {
		first, frames, _ := strings.Cut(rec, "\n")
		nstr, _, ok := strings.Cut(first, " @ 0x")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(nstr)
		if err != nil {
			t.Fatalf("bad record %q", first)
		}
		sum += n
		seen := map[string]bool{}
		for line := range strings.Lines(frames) {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == "#" {
				fn, _, _ := strings.Cut(f[2], "+0x")
				if !seen[fn] {
					seen[fn] = true
					byFunc[fn] += n
				}
			}
		}
	}
	if sum != total {
		t.Errorf("records sum to %d goroutines, header says %d", sum, total)
	}
	return total, byFunc
}

func gunzip(t *testing.T, dump []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(dump, []byte{0x1f, 0x8b}) {
		t.Fatalf("not gzip: starts %q", dump[:min(len(dump), 16)])
	}
	zr, err := gzip.NewReader(bytes.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// protoName is how a function name appears in a protobuf profile: generic
// functions keep their shape there ("F[go.shape.string]") where the text
// formats print "F[...]".
func protoName(fn string) []byte {
	return []byte(strings.Replace(fn, "[...]", "[go.shape.", 1))
}

func all() []string { return Names() }

func proven() (names []string, goroutines int) {
	for _, s := range All {
		if s.Proven {
			names = append(names, s.Name)
			goroutines += s.Count
		}
	}
	return names, goroutines
}

func TestDumps(t *testing.T) {
	textual := func(extra func(t *testing.T, dump []byte, gs []goroutine)) func(t *testing.T, dump []byte) {
		return func(t *testing.T, dump []byte) {
			gs := checkText(t, dump, all())
			if !bytes.Contains(dump, []byte("frames elided...")) {
				t.Error("deep-recursion: no elided frames")
			}
			if !regexp.MustCompile(`(?m)^goroutine \d+ .*\[sleep, locked to thread\]:$`).Match(dump) {
				t.Error("locked-thread: no header with \", locked to thread\"")
			}
			if extra != nil {
				extra(t, dump, gs)
			}
		}
	}
	checks := map[string]func(t *testing.T, dump []byte){
		"stack":  textual(nil),
		"debug2": textual(nil),
		"debug1": func(t *testing.T, dump []byte) {
			_, byFunc := profileCounts(t, dump)
			for _, s := range All {
				if byFunc[s.Func] != s.Count {
					t.Errorf("%s: %d goroutines in %s, want %d", s.Name, byFunc[s.Func], s.Func, s.Count)
				}
			}
			if got := strings.Count(string(dump), `# labels: {"role":"worker", "scenario":"labels"}`); got < 1 {
				t.Error("labels: no record carries the pprof labels")
			}
		},
		"proto": func(t *testing.T, dump []byte) {
			raw := gunzip(t, dump)
			for _, s := range All {
				if !bytes.Contains(raw, protoName(s.Func)) {
					t.Errorf("%s: %s not in the profile's strings", s.Name, s.Func)
				}
			}
		},
		"leak2": textual(markedProven),
		// Go 1.27 (and 1.26 with the experiment): the proof outlives the
		// leak profile, so a plain runtime.Stack marks the same goroutines.
		"leakstack": textual(markedProven),
		"leak1": func(t *testing.T, dump []byte) {
			total, byFunc := profileCounts(t, dump)
			_, want := proven()
			if total != want {
				t.Errorf("goroutineleak profile: total %d, want %d (the proven scenarios)", total, want)
			}
			for _, s := range All {
				want := 0
				if s.Proven {
					want = s.Count
				}
				if got := byFunc[s.Func]; got != want {
					t.Errorf("%s: %d leaked goroutines in %s, want %d", s.Name, got, s.Func, want)
				}
			}
		},
		"leakproto": func(t *testing.T, dump []byte) {
			raw := gunzip(t, dump)
			for _, s := range All {
				if got := bytes.Contains(raw, protoName(s.Func)); got != s.Proven {
					t.Errorf("%s: %s in the leak profile = %v, want %v", s.Name, s.Func, got, s.Proven)
				}
			}
		},
		"panic": textual(func(t *testing.T, dump []byte, gs []goroutine) {
			if !bytes.HasPrefix(dump, []byte("panic: leaker: panic requested by -format panic\n\ngoroutine ")) {
				t.Errorf("does not start with the panic: %q", dump[:min(len(dump), 80)])
			}
		}),
		"crash": textual(func(t *testing.T, dump []byte, gs []goroutine) {
			if !regexp.MustCompile(`(?m)^goroutine \d+ gp=0x[0-9a-f]+ m=(\d+ mp=0x[0-9a-f]+|nil) \[`).Match(dump) {
				t.Error("no header with gp=, m=")
			}
			if !regexp.MustCompile(`(?m) fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+$`).Match(dump) {
				t.Error("no frame with fp=, sp=, pc=")
			}
		}),
		"sigquit": textual(func(t *testing.T, dump []byte, gs []goroutine) {
			if !bytes.HasPrefix(dump, []byte("SIGQUIT: quit\n")) {
				t.Errorf("does not start with SIGQUIT: %q", dump[:min(len(dump), 80)])
			}
		}),
		"ancestors": textual(func(t *testing.T, dump []byte, gs []goroutine) {
			if !bytes.Contains(dump, []byte("\n[originating from goroutine ")) {
				t.Error("no [originating from goroutine N]: section")
			}
		}),
		"labels": textual(func(t *testing.T, dump []byte, gs []goroutine) {
			// Go 1.26 prints labels inside the bracket, quoted; Go 1.27
			// after it, quoted only where a key or value needs it.
			want := ` labels:{"role": "worker", "scenario": "labels"}]:`
			if labelsAfterBracket(runtime.Version()) {
				want = `] {role: worker, scenario: labels}:`
			}
			n := 0
			for _, g := range gs {
				if strings.HasSuffix(g.header, want) {
					n++
				}
			}
			if w := Lookup("labels").Count; n != w {
				t.Errorf("%d headers carry the labels as %s prints them (%q), want %d (the goroutine under pprof.Do and its children); headers of labelled goroutines: %q",
					n, runtime.Version(), want, w, headersOf(gs, Lookup("labels").Func))
			}
		}),
		"deadlock": func(t *testing.T, dump []byte) {
			if !bytes.HasPrefix(dump, []byte("fatal error: all goroutines are asleep - deadlock!\n")) {
				t.Errorf("does not start with the deadlock error: %q", dump[:min(len(dump), 80)])
			}
			checkText(t, dump, DeadlockSet)
		},
	}
	for _, f := range scenariotest.Formats {
		t.Run(f, func(t *testing.T) {
			check := checks[f]
			if check == nil {
				t.Fatalf("no check for format %s", f)
			}
			check(t, scenariotest.Dump(t, f))
		})
	}
}

// labelsAfterBracket reports whether the runtime of Go version v prints a
// goroutine's labels after the header's bracket: from Go 1.27 on, and in
// development builds, which are newer than any release.
func labelsAfterBracket(v string) bool {
	if !version.IsValid(v) {
		return strings.HasPrefix(v, "devel ")
	}
	return version.Compare(v, "go1.27") >= 0
}

func TestLabelsAfterBracket(t *testing.T) {
	for v, want := range map[string]bool{
		"go1.26.8": false, "go1.26rc1": false, "go1.27rc1": true, "go1.27.3": true, "go1.28": true,
		"devel go1.28-abcdef Tue Dec 1 10:00:00 2026 +0000": true,
	} {
		if got := labelsAfterBracket(v); got != want {
			t.Errorf("labelsAfterBracket(%q) = %v, want %v", v, got, want)
		}
	}
}

// markedProven checks that exactly the proven scenarios' goroutines carry
// "(leaked)" in their headers.
func markedProven(t *testing.T, dump []byte, gs []goroutine) {
	t.Helper()
	for i := range All {
		s := &All[i]
		n, leaked := count(gs, s)
		want := 0
		if s.Proven {
			want = n
		}
		if leaked != want {
			t.Errorf("%s: %d of %d goroutines marked (leaked), want %d", s.Name, leaked, n, want)
		}
	}
}

func TestDumpSubset(t *testing.T) {
	dump := scenariotest.Dump(t, "stack", "mutex-abba", "select-empty")
	checkText(t, dump, []string{"mutex-abba", "select-empty"})
}

func TestLeakerErrors(t *testing.T) {
	bin := scenariotest.Leaker(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-format", "bogus"}, `unknown -format "bogus" (want one of ` + strings.Join(scenariotest.Formats, ", ") + ")"},
		{[]string{"-scenarios", "send-no-receiver,nope"}, "unknown scenario nope"},
	} {
		out, err := exec.Command(bin, tc.args...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("leaker %v: %v, want exit status 2", tc.args, err)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("leaker %v said %q, want it to contain %q", tc.args, out, tc.want)
		}
	}
}

// TestStartInProcess starts scenarios in the test process: each Start adds
// its goroutines and returns once they are parked, also when called again.
func TestStartInProcess(t *testing.T) {
	for _, name := range []string{"timeout-after", "mutex-abba", "cond-never-signalled"} {
		s := Lookup(name)
		before := countBlocked(s.Func, s.Wait)
		for i := 1; i <= 2; i++ {
			if err := Start(name); err != nil {
				t.Fatal(err)
			}
			if got, want := countBlocked(s.Func, s.Wait), before+i*s.Count; got != want {
				t.Errorf("%s: after %d Starts, %d goroutines blocked in %s [%s], want %d", name, i, got, s.Func, s.Wait, want)
			}
		}
	}
}

// TestUntilTimeout: a timeout scenario whose caller took the result instead
// of timing out (as happens on a loaded machine) is tried again, and one
// that never times out panics instead of looping.
func TestUntilTimeout(t *testing.T) {
	calls := 0
	untilTimeout("t", func() error {
		calls++
		if calls < 3 {
			return nil
		}
		return errTimeout
	})()
	if calls != 3 {
		t.Errorf("%d calls, want 3: stop at the first timeout", calls)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "did not time out") {
			t.Errorf("never timing out: recovered %v, want a panic saying so", r)
		}
	}()
	untilTimeout("t", func() error { return nil })()
}
