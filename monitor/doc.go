// Package monitor watches a running process's goroutines for leaks: a group
// of goroutines that only grows, waits for minutes in a leak-prone way, or
// that the runtime proved can never run again.
//
// A Monitor samples its own process on an interval (30 s by default) at a
// cost a production service can bear: each sample reads the goroutine
// profile, whose longest stop-the-world pause stays well under a
// millisecond even at 100k goroutines, classifies the stacks with the
// classifier analyze uses, and feeds a Tracker, which keeps a bounded
// history per group and flags the groups that grow. Full dumps, which stop
// the world for as long as they take to write, are taken only below 1000
// goroutines or when asked for; the runtime's leak proof (the
// goroutineleak profile, one leak-detecting GC) is taken every tenth sample
// when the runtime has it.
//
//	m := monitor.New(monitor.Config{})
//	if err := m.Start(ctx); err != nil { ... }
//	defer m.Stop()
//	adminMux.Handle("/debug/leaks/", m.Handler())
//
// A Tracker also works alone, fed reports read elsewhere: `leakhound watch`
// feeds it the reports of remote services.
//
// # The handler
//
// Handler returns an http.Handler that nothing registers: mount it on an
// admin port, beside net/http/pprof, since the page names the functions,
// files and lines of the process. Authorize adds a check of your own.
// Requests are answered from the last sample: none takes a sample, stops
// the world or runs a GC, however many arrive. Each response is encoded
// once per sample, by the first request that asks for it after the
// sample, and shared by every request after and alongside it, so many
// clients cost about one encoding of each view.
//
// Query parameters:
//
//	format=html   the page for a person (the default): groups that need
//	              attention (proven, growing, waiting too long), other
//	              suspects, the parked groups (waiting in a leak class with
//	              no evidence of a leak), and a summary of the rest, each
//	              group with its counts over time, the explanation, the
//	              evidence and the fix; at most 100 groups a section
//	format=json   the document `leakhound analyze --format json` writes
//	              (schema leakhound/v1) for the last sample, with the
//	              monitor's state ("monitor"), the groups' histories
//	              ("groups") and the window this response holds ("page"):
//	              the report's totals count every finding, "page" says how
//	              many findings, groups and goroutines were left out and
//	              gives the query of the next page ("next")
//	limit=N       with format=json, at most N findings and N groups (1 to
//	              1000; 100 by default)
//	offset=N      with format=json, skip the first N findings and groups, in
//	              the order of the report: the next page is offset+limit
//	all=1         on the page, list the groups that are not leaks in full
//	refresh=0     the page does not reload itself (by default it reloads
//	              every interval, at least every 5 s, keeping the
//	              reader's scroll position and open sections)
//
// Answers: 200; 400 for a bad parameter; 403 when Authorize refuses; 405
// for methods other than GET and HEAD; 503 before the first sample.
package monitor
