package cli

import (
	"fmt"
	"slices"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/demo"
	"github.com/leakhound/leakhound/report"
)

// demo runs leakhound's main job on a built-in example: a service on
// loopback whose endpoints leak, each beside a fixed twin. It drives traffic,
// reads the service the way "analyze URL" does, and prints the report.
func demoCmd(e *env, args []string) int {
	var a analyzeFlags
	fs := a.register("demo", e)
	keep := fs.Bool("keep", false, "leave the service running for you to explore, until interrupted")
	addr := fs.String("addr", "127.0.0.1:0", "loopback `address` to serve on")
	requests := fs.Int("requests", 5, "requests to send to each endpoint")
	if _, err := parseFlags(fs, args); err != nil {
		return flagExit(fs, err)
	}
	if err := a.check(); err != nil {
		fmt.Fprintf(e.stderr, "leakhound demo: %v\n", err)
		return ExitError
	}
	svc, err := demo.Start(*addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "leakhound demo: %v\n", err)
		return ExitError
	}
	defer svc.Close()
	leaky := 0
	for _, ep := range svc.Endpoints() {
		if ep.Leak {
			leaky++
		}
	}
	fmt.Fprintf(e.stderr, "demo service on %s: %d leaky endpoints, each beside a fixed twin; sending %s to each...\n",
		svc.URL(), leaky, report.Plural(*requests, "request"))
	if err := svc.Drive(e.ctx, *requests); err != nil {
		fmt.Fprintf(e.stderr, "leakhound demo: driving traffic: %v\n", err)
		return ExitError
	}
	fmt.Fprintf(e.stderr, "reading %s the way `leakhound analyze %s` does, with source lines (the service is this process):\n\n", svc.URL(), svc.URL())
	// The service runs in this process: the paths its dump names are
	// this machine's, so its source lines can be shown.
	c := a.classifier(false)
	res, err := a.fetch(e, svc.URL(), c)
	if err != nil {
		return e.fail("demo", err)
	}
	r := c.Report()
	notes := append(proofNote(res), unreported(svc.Endpoints(), r)...)
	if code := a.render(e, output{name: describe(svc.URL(), res), notes: notes}, r); code == ExitError {
		return code
	}
	if !r.HasLeaks() {
		fmt.Fprintf(e.stderr, "leakhound demo: the demo's leaks were not found\n")
		return ExitError
	}
	if *keep {
		fmt.Fprintf(e.stderr, "\nThe service runs at %s until you press Ctrl-C. Try:\n  leakhound analyze %s\n  %s/debug/leaks/  (its own leak monitor, a sample every %v)\n  %s/debug/pprof/goroutine?debug=2\n",
			svc.URL(), svc.URL(), svc.URL(), demo.MonitorInterval, svc.URL())
		<-e.ctx.Done()
	}
	// The leaks are the demo's point: finding them is success.
	return ExitOK
}

// unreported says which leaky endpoints the report does not flag, and why
// they may not be yet, so that the count of endpoints and of findings
// never disagree without a word.
func unreported(eps []demo.Endpoint, r *classify.Report) []string {
	var notes []string
	for _, ep := range eps {
		if !ep.Leak {
			continue
		}
		found := slices.ContainsFunc(r.Findings, func(f *classify.Finding) bool {
			// The handler that starts them is the endpoint's own; an I/O
			// wait blocks in the net package, not in the demo's function.
			return (f.Verdict == classify.Leak || f.Verdict == classify.Suspect) && f.CreatedAt.Func == ep.Handler
		})
		if found {
			continue
		}
		why := "nothing this read shows proves or suggests its leak yet"
		if ep.Class == classify.IOWithoutDeadline {
			why = "an I/O wait is suspect only after 5 minutes, or once the goroutines that started it are gone"
		}
		notes = append(notes, fmt.Sprintf("the leaky endpoint %s is not reported: %s", ep.Path, why))
	}
	return notes
}
