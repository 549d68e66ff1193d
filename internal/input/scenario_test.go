package input_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/input"
	"github.com/leakhound/leakhound/internal/scenario"
	"github.com/leakhound/leakhound/internal/scenario/scenariotest"
	"github.com/leakhound/leakhound/stack"
)

// classified is one goroutine with the finding it landed in.
type classified struct {
	g *stack.Goroutine
	f *classify.Finding
}

// classifyDump parses and classifies a dump, keeping each goroutine with
// its finding so a test can look goroutines up by frame.
func classifyDump(t *testing.T, dump []byte) []classified {
	t.Helper()
	c := classify.New(classify.Config{Source: &classify.Source{UseDumpPaths: true}})
	var gs []*stack.Goroutine
	var pass bytes.Buffer
	_, err := input.Read(bytes.NewReader(dump), input.Options{Options: stack.Options{Passthrough: &pass}}, func(g *stack.Goroutine) {
		gs = append(gs, g.Clone())
	})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	// What is not a goroutine explains a dump that lacks some: a scenario's
	// panic, a runtime error.
	t.Cleanup(func() {
		if t.Failed() && pass.Len() > 0 {
			t.Logf("text around the dump:\n%.2000s", pass.String())
		}
	})
	// Classify each goroutine alone as well, to know which finding it went to.
	var out []classified
	for _, g := range gs {
		c.Add(g)
		one := classify.New(classify.Config{Source: &classify.Source{UseDumpPaths: true}})
		one.Add(g)
		out = append(out, classified{g, one.Report().Findings[0]})
	}
	if r := c.Report(); r.Total < len(gs) {
		t.Fatalf("report of %d goroutines from %d parsed", r.Total, len(gs))
	}
	return out
}

// in returns the goroutines with fn in their stack.
func in(all []classified, fn string) []classified {
	var out []classified
	for _, c := range all {
		for _, f := range c.g.Stack {
			if string(f.Func) == fn {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// TestScenarios is the golden test: every scenario, dumped by the Go that
// runs the tests in every format that carries wait reasons, lands in its
// class; leaks are never ok and benign goroutines never leaks.
func TestScenarios(t *testing.T) {
	for _, format := range []string{"stack", "debug2", "proto", "crash", "sigquit", "ancestors", "labels", "leak2", "leakproto"} {
		t.Run(format, func(t *testing.T) {
			all := classifyDump(t, scenariotest.Dump(t, format))
			for _, s := range scenario.All {
				if format == "leakproto" && !s.Proven {
					continue // the profile lists proven leaks only
				}
				gs := in(all, s.Func)
				if n := count(gs); n < s.Count {
					if s.Class == classify.Running && unavailable(all) {
						continue // a dying process may not show a running goroutine's stack
					}
					t.Errorf("%s: %d goroutines in %s, want %d", s.Name, n, s.Func, s.Count)
					continue
				}
				for _, c := range gs {
					want := s.Class
					if format == "proto" || format == "leakproto" {
						want = profileClass(s)
					}
					if want == classify.Running && c.f.Class == classify.Runnable {
						want = classify.Runnable // a busy goroutine may be between two runs
					}
					if c.f.Class != want {
						t.Errorf("%s: class %s (wait %q, blocked at %s:%d), want %s", s.Name, c.f.Class, c.f.WaitReason, c.f.BlockedAt.File, c.f.BlockedAt.Line, want)
					}
					if s.Leak && c.f.Verdict == classify.OK && s.Class != classify.IOWithoutDeadline {
						t.Errorf("%s: a leak with verdict ok", s.Name)
					}
					if !s.Leak && c.f.Verdict != classify.OK {
						t.Errorf("%s: not a leak, verdict %s", s.Name, c.f.Verdict)
					}
					// The goroutineleak profile's proof turns suspects into leaks.
					if strings.HasPrefix(format, "leak") && s.Proven && c.f.Verdict != classify.Leak {
						t.Errorf("%s: proven by the runtime, verdict %s", s.Name, c.f.Verdict)
					}
					if c.f.Class.IsLeak() && (c.f.Fix == "" || !strings.Contains(c.f.Explanation, c.f.WaitReason)) {
						t.Errorf("%s: explanation %q, fix %q", s.Name, c.f.Explanation, c.f.Fix)
					}
				}
			}
		})
	}
}

func unavailable(cs []classified) bool {
	for _, c := range cs {
		if c.g.Unavailable {
			return true
		}
	}
	return false
}

func count(cs []classified) int {
	n := 0
	for _, c := range cs {
		n += c.g.Count
	}
	return n
}

// profileClass is the class a protobuf profile allows. It has no wait
// reason, but the runtime frames tell each wait apart, a nil channel's
// too (see pprofstack's nilChanState).
func profileClass(s scenario.Scenario) classify.Class { return s.Class }

// TestScenarioFormats: the text profile and the outputs of dying processes
// parse, and carry what only they carry.
func TestScenarioFormats(t *testing.T) {
	t.Run("debug1", func(t *testing.T) {
		all := classifyDump(t, scenariotest.Dump(t, "debug1"))
		for _, s := range scenario.All {
			if n := count(in(all, s.Func)); n < s.Count {
				t.Errorf("%s: too few goroutines in the profile, want %d", s.Name, s.Count)
			}
		}
	})
	t.Run("labels", func(t *testing.T) {
		s := scenario.Lookup("labels")
		for _, c := range in(classifyDump(t, scenariotest.Dump(t, "labels", "labels")), s.Func) {
			if len(c.g.Labels) == 0 || len(c.f.Labels) == 0 {
				t.Errorf("goroutine %d has no labels", c.g.ID)
			}
		}
	})
	t.Run("ancestors", func(t *testing.T) {
		found := false
		for _, c := range classifyDump(t, scenariotest.Dump(t, "ancestors", "send-no-receiver")) {
			found = found || len(c.g.Ancestors) > 0
		}
		if !found {
			t.Error("no tracebackancestors section parsed")
		}
	})
	t.Run("elided", func(t *testing.T) {
		s := scenario.Lookup("deep-recursion")
		gs := in(classifyDump(t, scenariotest.Dump(t, "stack", "deep-recursion")), s.Func)
		if len(gs) == 0 || gs[0].g.Elided <= 0 {
			t.Errorf("deep recursion: no elided frames counted")
		}
	})
	for _, format := range []string{"panic", "deadlock"} {
		t.Run(format, func(t *testing.T) {
			var pass bytes.Buffer
			out := scenariotest.Dump(t, format)
			gs, err := stack.Parse(bytes.NewReader(out), stack.Options{Passthrough: &pass})
			if err != nil || len(gs) < 5 {
				t.Fatalf("%d goroutines, err %v", len(gs), err)
			}
			want := "panic: "
			if format == "deadlock" {
				want = "fatal error: all goroutines are asleep - deadlock!"
			}
			if !strings.Contains(pass.String(), want) {
				t.Errorf("the %q line did not pass through: %q", want, pass.String())
			}
		})
	}
}
