package verdicts

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/input"
	"github.com/leakhound/leakhound/internal/scenario"
	"github.com/leakhound/leakhound/internal/scenario/scenariotest"
)

// outcome is what one form says of one scenario's goroutines.
type outcome struct {
	class   classify.Class
	verdict classify.Verdict
	count   int
	unknown string
}

func (o outcome) String() string { return fmt.Sprintf("%s/%s x%d", o.class, o.verdict, o.count) }

// Forms by what they show: full dumps have wait reasons, ids, minutes and
// creators; profiles have frames only (debug=0 all of them, debug=1 not
// the runtime's); the leak forms add the runtime's proof.
var (
	fullForms    = []string{"stack", "debug2", "ancestors", "labels"}
	profileForms = []string{"proto", "debug1"}
	proofForms   = []string{"leak2", "leak1", "leakproto"}
)

// outcomes classifies one dump of every scenario and returns, per
// scenario, the findings holding its goroutines.
func outcomes(t *testing.T, form string) map[string][]outcome {
	t.Helper()
	dump := scenariotest.Dump(t, form)
	c := classify.New(classify.Config{Source: &classify.Source{UseDumpPaths: true}})
	if _, err := input.Read(bytes.NewReader(dump), input.Options{}, c.Add); err != nil {
		t.Fatalf("%s: %v", form, err)
	}
	r := c.Report()
	out := map[string][]outcome{}
	for _, s := range scenario.All {
		for _, f := range r.Findings {
			if hasFunc(f, s.Func) {
				out[s.Name] = append(out[s.Name], outcome{f.Class, f.Verdict, f.Count, f.Unknown})
			}
		}
	}
	return out
}

func hasFunc(f *classify.Finding, fn string) bool {
	for _, l := range f.Stack {
		if l.Func == fn {
			return true
		}
	}
	return false
}

// debug1Class is what a debug=1 profile can say. It hides the runtime
// frames, so a nil channel reads as the line's operation on any channel,
// and a goroutine running user code as one parked there on something it
// cannot name.
func debug1Class(s scenario.Scenario) classify.Class {
	switch s.Class {
	case classify.NilChannelSend:
		return classify.SendNoReceiver
	case classify.NilChannelReceive:
		return classify.ReceiveNoSender
	case classify.Running:
		return classify.UnknownWait
	}
	return s.Class
}

// TestVerdictsAcrossForms is the golden test of one truth in every form:
// the scenario program's real goroutines, dumped in each form by the Go
// that runs the tests, get the same class, verdict and count in every
// form that can tell, and what each form cannot tell is pinned here.
func TestVerdictsAcrossForms(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the leaker program in eleven forms")
	}
	got := map[string]map[string][]outcome{}
	forms := append(append(append([]string{}, fullForms...), profileForms...), proofForms...)
	for _, form := range forms {
		if strings.HasPrefix(form, "leak") && !scenariotest.HasLeakProfile() {
			continue
		}
		got[form] = outcomes(t, form)
	}
	for _, s := range scenario.All {
		t.Run(s.Name, func(t *testing.T) {
			var ref outcome // the first full dump's word
			for _, form := range forms {
				os, ok := got[form]
				if !ok {
					continue
				}
				o := os[s.Name]
				if form == "leakproto" || form == "leak1" {
					if !s.Proven {
						continue // these forms list proven goroutines only
					}
				}
				if len(o) == 0 {
					t.Errorf("%s: no finding holds %s", form, s.Func)
					continue
				}
				n := 0
				for _, x := range o {
					n += x.count
				}
				if n < s.Count {
					t.Errorf("%s: %d goroutines in %s, want %d", form, n, s.Func, s.Count)
				}
				for _, x := range o {
					want := s.Class
					if form == "debug1" || form == "leak1" {
						want = debug1Class(s)
					}
					if x.class != want && !(want == classify.Running && x.class == classify.Runnable) {
						t.Errorf("%s: class %s, want %s", form, x.class, want)
					}
					switch {
					case strings.HasPrefix(form, "leak") && s.Proven && x.verdict != classify.Leak:
						t.Errorf("%s: proven by the runtime, verdict %s", form, x.verdict)
					case !s.Leak && x.class != classify.UnknownWait && x.verdict != classify.OK:
						t.Errorf("%s: not a leak, verdict %s", form, x.verdict)
					case s.Leak && x.verdict == classify.OK && s.Class != classify.IOWithoutDeadline:
						t.Errorf("%s: a leak called ok", form)
					case x.class == classify.UnknownWait && x.unknown == "":
						t.Errorf("%s: unknown-wait that does not say what is unknown", form)
					}
				}
				// The seed article's cases are flagged wherever the form
				// shows their creator, proof or not.
				if slicesContain(fullForms, form) && strings.Contains(s.Doc, "article") {
					for _, x := range o {
						if x.verdict != classify.Suspect && x.verdict != classify.Leak {
							t.Errorf("%s: the article's case %s is %s, want flagged", form, s.Name, x.verdict)
						}
					}
				}
				// Forms that carry the same facts agree on the verdict.
				if slicesContain(fullForms, form) && s.Leak {
					if ref.class == "" {
						ref = o[0]
					} else if o[0].verdict != ref.verdict {
						t.Errorf("%s: verdict %s, where the full dumps said %s", form, o[0].verdict, ref.verdict)
					}
				}
			}
			if p, d := got["proto"][s.Name], got["debug1"][s.Name]; s.Leak && len(p) > 0 && len(d) > 0 {
				// A nil channel is evidence in debug=0, which shows it,
				// and not in debug=1, which hides it (context.Background()
				// hands its nil Done channel to a function that receives
				// from ctx.Done(): only the runtime frames tell).
				nilChan := s.Class == classify.NilChannelSend || s.Class == classify.NilChannelReceive || s.Name == "context-background"
				if !nilChan && p[0].verdict != d[0].verdict {
					t.Errorf("debug=0 says %s, debug=1 %s", p[0], d[0])
				}
				if nilChan && (p[0].verdict != classify.Suspect || d[0].verdict == classify.OK) {
					t.Errorf("nil channel: debug=0 says %s (want suspect), debug=1 %s", p[0], d[0])
				}
			}
		})
	}
}

func slicesContain(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
