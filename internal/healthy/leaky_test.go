package healthy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/demo"
	"github.com/leakhound/leakhound/internal/remote"
)

// TestLeakyServiceFlagged is the other side of TestHealthyServers: the
// demo service, a real HTTP server on loopback whose leaky endpoints each
// leave goroutines behind, read as analyze URL reads it, gets every one of
// its leaks flagged, leak or suspect, with the evidence named, whether or
// not the runtime can prove them.
func TestLeakyServiceFlagged(t *testing.T) {
	s, err := demo.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.Drive(ctx, 5); err != nil {
		t.Fatal(err)
	}
	c := classify.New(classify.Config{Source: &classify.Source{UseDumpPaths: true}})
	if _, err := remote.Fetch(ctx, s.URL(), remote.Options{Full: remote.FullAlways}, c.Add); err != nil {
		t.Fatal(err)
	}
	r := c.Report()
	for _, e := range s.Endpoints() {
		if !e.Leak {
			continue
		}
		n := 0
		for _, f := range r.Findings {
			if f.BlockedAt.Func != e.Func && !inStack(f, e.Func) {
				continue
			}
			n += f.Count
			if f.Verdict != classify.Suspect && f.Verdict != classify.Leak {
				t.Errorf("%s: %d goroutines in %s are %s, want flagged:\n%s", e.Path, f.Count, e.Func, f.Verdict, f.Explanation)
				continue
			}
			if len(f.Evidence) == 0 || (f.Verdict == classify.Suspect && !strings.Contains(f.Explanation, "Evidence: ")) {
				t.Errorf("%s: %s without evidence named: %s", e.Path, f.Verdict, f.Explanation)
			}
		}
		// Drive's requests race a timeout against a slow backend, and on a
		// loaded machine the backend may win now and then; each endpoint
		// must still have leaked.
		if n == 0 {
			t.Errorf("%s: no goroutine found in %s", e.Path, e.Func)
		}
	}
	if !r.HasLeaks() {
		t.Error("the demo's report would exit 0")
	}
}

func inStack(f *classify.Finding, fn string) bool {
	for _, l := range f.Stack {
		if l.Func == fn {
			return true
		}
	}
	return false
}
