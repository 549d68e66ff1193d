package fleet

import (
	"slices"
	"time"

	"github.com/leakhound/leakhound/report"
)

// History keeps the count of each top fleet finding at every round of a
// watch, so that a page can show a leak growing across the fleet. It is
// bounded: the first Findings of each round are followed, with at most
// Points rounds each; a finding that falls out of them is forgotten.
type History struct {
	Findings, Points int
	series           map[key][]report.Point
}

// NewHistory follows the first findings of each round, points rounds each.
func NewHistory(findings, points int) *History {
	return &History{Findings: findings, Points: points, series: make(map[key][]report.Point)}
}

// Observe records the counts of fs, ranked as Aggregate ranks them, at t.
func (h *History) Observe(t time.Time, fs []Finding) {
	next := make(map[key][]report.Point, min(len(fs), h.Findings))
	for i, f := range fs {
		if i == h.Findings {
			break
		}
		k := f.key()
		pts := append(h.series[k], report.Point{Time: t, Count: f.Count})
		if len(pts) > h.Points {
			pts = slices.Delete(pts, 0, len(pts)-h.Points)
		}
		next[k] = pts
	}
	h.series = next
}

// Of returns f's counts over the rounds it was followed.
func (h *History) Of(f Finding) []report.Point {
	return h.series[f.key()]
}

// key is what makes f one leak: its job, class and places.
func (f *Finding) key() key {
	return key{f.Job, f.Class, f.BlockedAt, f.CreatedAt}
}
