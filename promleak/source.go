package promleak

import "github.com/leakhound/leakhound/monitor"

// Source is what the collector reads; *monitor.Monitor is one. Both methods
// must only return what earlier samples stored: they run on every scrape,
// and a scrape must never take a sample of its own.
type Source interface {
	// Last returns the latest sample, or nil before the first.
	Last() *monitor.Sample
	// Tracker returns the tracker the samples feed, for the groups.
	Tracker() *monitor.Tracker
}

var _ Source = (*monitor.Monitor)(nil)
