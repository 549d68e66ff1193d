package fleet

import (
	"testing"
	"time"

	"github.com/leakhound/leakhound/classify"
)

// TestHistory: each followed finding keeps its count at every round, at
// most Points of them; one that leaves the first Findings is forgotten,
// and starts afresh when it comes back.
func TestHistory(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	round := func(n int, counts map[string]int) []Finding {
		var in []Instance
		for fn, c := range counts {
			in = append(in, Instance{Job: "api", URL: "http://" + fn, Groups: []Group{{Finding: finding(classify.Suspect, classify.SendNoReceiver, fn, 1, c, 0)}}})
		}
		return Aggregate(in)
	}
	h := NewHistory(2, 3)
	var last []Finding
	for i, counts := range []map[string]int{
		{"a": 10, "b": 5, "c": 1},
		{"a": 20, "b": 6, "c": 2},
		{"a": 30, "b": 1, "c": 7}, // b falls out of the first two
		{"a": 40, "b": 9, "c": 8}, // and comes back
	} {
		last = round(i, counts)
		h.Observe(t0.Add(time.Duration(i)*time.Minute), last)
	}
	got := map[string][]int{}
	for _, f := range last {
		for _, p := range h.Of(f) {
			got[f.BlockedAt.Func] = append(got[f.BlockedAt.Func], p.Count)
		}
	}
	want := map[string][]int{"a": {20, 30, 40}, "b": {9}}
	for fn, w := range want {
		if g := got[fn]; len(g) != len(w) || g[0] != w[0] || g[len(g)-1] != w[len(w)-1] {
			t.Errorf("%s: counts %v, want %v", fn, g, w)
		}
	}
	if len(got["c"]) != 0 {
		t.Errorf("c is third at the last round and still followed: %v", got["c"])
	}
	if p := h.Of(last[0]); !p[len(p)-1].Time.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("a's last point at %v", p[len(p)-1].Time)
	}
}
