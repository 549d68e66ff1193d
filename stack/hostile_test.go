package stack

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated inputs in ../testdata/hostile")

// hostileDir holds the corpus: real captures (a race report, a Go 1.27
// dump with a subtest's brackets in a label, a debug=1 goroutineleak
// profile) and small generated inputs; large generated ones stay in
// memory.
var hostileDir = filepath.Join("..", "testdata", "hostile")

func frames(n int) string {
	return strings.Repeat("main.f()\n\t/src/main.go:3 +0x1\n", n)
}

var hostileText = []struct {
	name string
	gen  func() string // nil: a real capture in hostileDir
	keep bool          // write the generated input to hostileDir
	// check gets the goroutines, the passthrough and the error.
	check func(t *testing.T, in string, gs []*Goroutine, pass string, err error)
}{
	{"race-report.txt", nil, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		if err != nil || pass != in {
			t.Fatalf("err %v; passthrough differs from the input:\n%s", err, pass)
		}
		if len(gs) != 4 {
			t.Fatalf("%d race sections, want 4", len(gs))
		}
		for _, g := range gs {
			if !g.Race || len(g.Stack) == 0 {
				t.Errorf("section %+v", g)
			}
		}
	}},
	{"labels-bracket-go1.27.txt", nil, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		if err != nil || len(gs) != 3 {
			t.Fatalf("%d goroutines, %v; want 3", len(gs), err)
		}
		if l := gs[1].Labels; len(l) != 1 || l[0] != (Label{"test", "TestX/case[1]"}) || gs[1].State != "chan receive" {
			t.Errorf("goroutine %d: %q labels %v", gs[1].ID, gs[1].State, l)
		}
		if l := gs[2].Labels; len(l) != 1 || l[0] != (Label{"test", "TestX/plain"}) {
			t.Errorf("goroutine %d: labels %v", gs[2].ID, l)
		}
	}},
	{"goroutineleak-debug1.txt", nil, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		if err != nil || len(gs) != 1 || gs[0].Count != 3 || !gs[0].Leaked || !gs[0].Partial {
			t.Fatalf("got %+v, %v; want one partial stack of 3 proven leaks", gs, err)
		}
	}},
	{"bom.txt", func() string {
		return "\ufeffgoroutine 7 [chan send]:\nmain.f()\n\t/src/main.go:12 +0x1d\n\ngoroutine 8 [select]:\nmain.g()\n\t/src/main.go:13 +0x1d\n"
	}, true, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		if err != nil || len(gs) != 2 || gs[0].ID != 7 || pass != "" {
			t.Fatalf("got %d goroutines, pass %q, %v; want goroutines 7 and 8", len(gs), pass, err)
		}
	}},
	{"debug1-cut.txt", func() string {
		return "goroutine profile: total 10\n3 @ 0x43e1ce 0x46b861\n#\t0x46b860\tmain.main.func1+0x20\t/src/main.go:8\n\n" +
			"2 @ 0x43e1ce 0x46b862\n#\t0x46b861\tmain.main.func2+0x20\t/src/main.go:9\n"
	}, true, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "add up to 5 of the profile's total of 10: the profile was cut short") {
			t.Fatalf("err = %v, want the profile cut short", err)
		}
	}},
	{"deep-stack", func() string {
		return "goroutine 1 [running]:\n" + frames(10001)
	}, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		wantLimit(t, err, "stack.Limits.Frames", 1+2*10000+1) // the 10001st call
	}},
	{"ancestor-flood", func() string {
		return "goroutine 1 [running]:\n" + frames(1) + strings.Repeat("[originating from goroutine 1]:\n", 20000)
	}, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		wantLimit(t, err, "stack.Limits.Frames", 3+10000) // one frame and 10000 ancestors
	}},
	{"debug1-deep-stack", func() string {
		return "1 @ 0x1\n" + strings.Repeat("#\t0x1\tmain.f+0x1\t/x.go:1\n", 10001)
	}, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		wantLimit(t, err, "stack.Limits.Frames", 10002)
	}},
	{"race-deep-stack", func() string {
		return "Read at 0x1 by goroutine 9:\n" + strings.Repeat("  main.f()\n      /x.go:1 +0x1\n", 10001)
	}, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		wantLimit(t, err, "stack.Limits.Frames", 2*10001)
	}},
	{"long-name", func() string {
		return "goroutine 1 [running]:\nmain." + strings.Repeat("x", 20<<10) + "()\n\t/x.go:1 +0x1\n"
	}, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		wantLimit(t, err, "stack.Limits.NameBytes", 2)
	}},
	{"long-path", func() string {
		return "goroutine 1 [running]:\nmain.f()\n\t/" + strings.Repeat("d/", 10<<10) + "x.go:1 +0x1\n"
	}, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		wantLimit(t, err, "stack.Limits.NameBytes", 3)
	}},
	{"big-labels", func() string {
		var b strings.Builder
		for i := range 100 {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("k" + strings.Repeat("k", i) + ": " + strings.Repeat("v", 1000))
		}
		return "goroutine 1 [running] {" + b.String() + "}:\n" + frames(1)
	}, false, func(t *testing.T, in string, gs []*Goroutine, pass string, err error) {
		wantLimit(t, err, "stack.Limits.LabelBytes", 1)
	}},
}

func wantLimit(t *testing.T, err error, limit string, line int) {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != limit || le.Line != line {
		t.Fatalf("err = %v, want a limit error for %s on line %d", err, limit, line)
	}
	if !strings.Contains(err.Error(), "raise "+limit) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q does not say how to raise the limit on one line", err)
	}
}

// TestHostile parses each input strictly and leniently: a limit stops
// both; anything else gets the same check.
func TestHostile(t *testing.T) {
	for _, tc := range hostileText {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(hostileDir, tc.name)
			var in string
			switch {
			case tc.gen == nil:
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				in = string(b)
			case tc.keep && *update:
				in = tc.gen()
				if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
					t.Fatal(err)
				}
			case tc.keep:
				in = tc.gen()
				if b, err := os.ReadFile(path); err != nil || string(b) != in {
					t.Errorf("%s differs from its generator (%v): run go test -run TestHostile -update", path, err)
				}
			default:
				in = tc.gen()
			}
			var pass bytes.Buffer
			gs, err := Parse(strings.NewReader(in), Options{Passthrough: &pass})
			tc.check(t, in, gs, pass.String(), err)
		})
	}
}

// TestLimitsOff: a negative limit turns the bound off, a larger one
// raises it.
func TestLimitsOff(t *testing.T) {
	in := "goroutine 1 [running]:\n" + frames(10001)
	for _, lim := range []Limits{{Frames: -1}, {Frames: 20000}} {
		gs, err := Parse(strings.NewReader(in), Options{Limits: lim})
		if err != nil || len(gs) != 1 || len(gs[0].Stack) != 10001 {
			t.Errorf("%+v: %v", lim, err)
		}
	}
	_, err := Parse(strings.NewReader(in), Options{Limits: Limits{Frames: 100}})
	wantLimit(t, err, "stack.Limits.Frames", 202)
	// Lenient parsing skips bad lines, never a limit.
	_, err = Parse(strings.NewReader(in), Options{Lenient: true})
	wantLimit(t, err, "stack.Limits.Frames", 20002)
}
