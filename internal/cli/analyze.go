package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/input"
	"github.com/leakhound/leakhound/internal/remote"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/stack"
)

// analyzeFlags are shared by analyze and demo.
type analyzeFlags struct {
	format     string
	sources    listFlag
	minCount   int
	minMinutes int
	classes    listFlag
	ignores    ruleList
	noDefaults bool
	lenient    bool
	verbose    bool
	color      string
	full       string
	fullBelow  int
	timeout    time.Duration
	maxBytes   int64

	srcOnce sync.Once
	src     *classify.Source // safe for concurrent use
}

func (a *analyzeFlags) register(fsName string, e *env) *flag.FlagSet {
	fs := newFlags(e, fsName, "[flags] [FILE|URL|-]")
	fs.StringVar(&a.format, "format", "text", "output `format`: text or json")
	fs.Var(&a.sources, "source", "`dir`ectory to find source files in, by the longest matching path suffix (repeatable); the dump's own paths are tried too")
	fs.IntVar(&a.minCount, "min-count", 0, "report suspect groups only with at least `n` goroutines")
	fs.IntVar(&a.minMinutes, "min-minutes", 0, "report suspect groups only when blocked at least `n` minutes")
	fs.Var(&a.classes, "class", "report only these `classes` (comma-separated; see leakhound classes)")
	fs.Var(&a.ignores, "ignore", "treat goroutines matching `rule` as idle: [top:|any:|created:|state:]pattern, pattern exact, prefix*, or /regexp/ (repeatable)")
	fs.BoolVar(&a.noDefaults, "no-default-rules", false, "do not treat the built-in list of by-design goroutines as idle")
	fs.BoolVar(&a.lenient, "lenient", false, "skip lines that cannot be parsed inside a goroutine, with a warning, instead of failing")
	fs.BoolVar(&a.verbose, "v", false, "also list goroutines that are not leaks, and whole stacks")
	fs.StringVar(&a.color, "color", "auto", "colour: auto, always or never")
	fs.StringVar(&a.full, "full", "auto", "for URLs, when to ask for a full dump (debug=2, stops the world): auto, always or never")
	fs.IntVar(&a.fullBelow, "full-below", 5000, "for URLs with --full=auto, ask for a full dump only below `n` goroutines")
	fs.DurationVar(&a.timeout, "timeout", 30*time.Second, "for URLs, the time limit of each request")
	fs.Int64Var(&a.maxBytes, "max-bytes", 256<<20, "for URLs, the size limit of each response")
	return fs
}

// check validates flag values that the flag package cannot.
func (a *analyzeFlags) check() error {
	if a.format != "text" && a.format != "json" {
		return fmt.Errorf("--format %q: want text or json", a.format)
	}
	if !slices.Contains([]string{"auto", "always", "never"}, a.color) {
		return fmt.Errorf("--color %q: want auto, always or never", a.color)
	}
	if !slices.Contains([]string{"auto", "always", "never"}, a.full) {
		return fmt.Errorf("--full %q: want auto, always or never", a.full)
	}
	for _, c := range a.classes {
		if classify.Lookup(classify.Class(c)) == nil {
			return fmt.Errorf("--class %q: not a class; leakhound classes lists them", c)
		}
	}
	return nil
}

// classifier returns a new classifier for one input. They share one
// Source, so watch, which classifies a sample per target per interval,
// reads each source file once, not once a sample.
func (a *analyzeFlags) classifier() *classify.Classifier {
	a.srcOnce.Do(func() { a.src = &classify.Source{Roots: a.sources, UseDumpPaths: true} })
	return classify.New(classify.Config{
		Rules: a.ignores.rules, NoDefaultRules: a.noDefaults,
		Source: a.src, KeepGoroutines: true,
	})
}

func (a *analyzeFlags) parseOptions(e *env) stack.Options {
	return stack.Options{Lenient: a.lenient, Warn: func(err *stack.SyntaxError) {
		fmt.Fprintf(e.stderr, "leakhound: warning: skipped %v\n", err)
	}}
}

func (a *analyzeFlags) remoteOptions(e *env) remote.Options {
	full := map[string]remote.Full{"auto": remote.FullAuto, "always": remote.FullAlways, "never": remote.FullNever}[a.full]
	return remote.Options{Timeout: a.timeout, MaxBytes: a.maxBytes, Full: full, FullBelow: a.fullBelow, Parse: a.parseOptions(e)}
}

// filter applies --min-count, --min-minutes and --class. Proven leaks are
// never filtered by count or age: the runtime's word is final.
func (a *analyzeFlags) filter(r *classify.Report) { r.Keep(a.keep) }

func (a *analyzeFlags) keep(f *classify.Finding) bool {
	if len(a.classes) > 0 && !slices.Contains(a.classes, string(f.Class)) {
		return false
	}
	return f.Verdict != classify.Suspect || (f.Count >= a.minCount && f.MaxMinutes >= a.minMinutes)
}

// render writes the report and returns the exit code it calls for.
func (a *analyzeFlags) render(e *env, name string, r *classify.Report) int {
	a.filter(r)
	var err error
	if a.format == "json" {
		err = report.JSON(e.stdout, name, r)
	} else {
		color := a.color == "always" || (a.color == "auto" && report.Color(e.stdout))
		err = report.Text(e.stdout, name, r, report.TextOptions{Color: color, Verbose: a.verbose})
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "leakhound: writing the report: %v\n", err)
		return ExitError
	}
	if r.HasLeaks() {
		return ExitLeaks
	}
	return ExitOK
}

func analyze(e *env, args []string) int {
	var a analyzeFlags
	fs := a.register("analyze", e)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return flagExit(fs, err)
	}
	if err := a.check(); err != nil {
		fmt.Fprintf(e.stderr, "leakhound analyze: %v\n", err)
		return ExitError
	}
	if len(pos) > 1 {
		fmt.Fprintf(e.stderr, "leakhound analyze: one input at a time, got %d: %s\n", len(pos), strings.Join(pos, " "))
		return ExitError
	}
	name := "-"
	if len(pos) == 1 {
		name = pos[0]
	}
	c := a.classifier()
	if strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://") {
		res, err := remote.Fetch(e.ctx, name, a.remoteOptions(e), c.Add)
		if err != nil {
			fmt.Fprintf(e.stderr, "leakhound analyze: %v\n", err)
			return ExitError
		}
		return a.render(e, describe(name, res), c.Report())
	}
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "leakhound analyze: %v\n", err)
			return ExitError
		}
		defer f.Close()
		r = f
	}
	opt := input.Options{Options: a.parseOptions(e)}
	if a.format == "text" {
		// Text around the dump goes on to the output, so
		// "go test 2>&1 | leakhound analyze" loses nothing.
		opt.Passthrough = e.stdout
	}
	n, err := input.Read(r, opt, c.Add)
	if err != nil {
		fmt.Fprintf(e.stderr, "leakhound analyze: %s: %v\n", displayName(name), err)
		return ExitError
	}
	if n == 0 {
		fmt.Fprintf(e.stderr, "leakhound analyze: %v\n", input.ErrEmpty(displayName(name)))
		return ExitError
	}
	return a.render(e, displayName(name), c.Report())
}

func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// describe says what was read from a service, and what the report lacks
// when only profiles were.
func describe(target string, res *remote.Result) string {
	s := target
	switch {
	case res.Full && res.Proof:
		s += " (full dump with the runtime's leak proof)"
	case res.Full:
		s += " (full dump)"
	case res.Proof:
		s += fmt.Sprintf(" (profile of %d goroutines with the runtime's leak proof; no ids or wait times above --full-below)", res.Count)
	default:
		s += fmt.Sprintf(" (profile of %d goroutines; no ids or wait times above --full-below)", res.Count)
	}
	return s
}

// ruleList is the repeatable --ignore flag.
type ruleList struct {
	text  []string
	rules []classify.Rule
}

func (l *ruleList) String() string { return strings.Join(l.text, " ") }
func (l *ruleList) Set(s string) error {
	r, err := classify.ParseRule(s)
	if err != nil {
		return err
	}
	l.text = append(l.text, s)
	l.rules = append(l.rules, r)
	return nil
}
