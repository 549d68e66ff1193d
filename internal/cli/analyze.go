package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/input"
	"github.com/leakhound/leakhound/internal/remote"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/stack"
)

// details is the help text a command prints for -h after its summary.
var details = map[string]string{
	"analyze": `The input is a file, a URL (http://host:port, or host:port when no such
file exists, read over https when a --pprof TLS flag is given), or - for
stdin. Without an input, analyze reads stdin when it
is a pipe and prints this usage when it is a terminal.

Source lines: for a file or stdin, the paths the dump names are read (your
own machine's files), and the --source directories; for a URL, only the
--source directories, never a path the remote service names.`,
	"watch": `Source lines are read only from the --source directories, never from
paths a watched service names.

With --prometheus URL and --job NAME (or --match SELECTOR), the services are
the targets Prometheus knows, asked for again each round, and each leak is
reported once across them (docs/fleet.md).`,
}

// analyzeFlags are shared by analyze and demo.
type analyzeFlags struct {
	limits     limitFlag
	format     string
	output     string
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
	tls        remote.TLS   // how https services are reached
	auth       remote.Auth  // the services' credentials
	client     *http.Client // built from tls by check; nil when no TLS flag is given

	srcOnce sync.Once
	src     *classify.Source // safe for concurrent use
	// maxIDs caps the ids a finding keeps (classify.Config.MaxIDs); 0,
	// all of them, unless analyze renders a report that prints a few.
	maxIDs int
}

func (a *analyzeFlags) register(fsName string, e *env) *flag.FlagSet {
	fs := newFlags(e, fsName, "[flags] [FILE|URL|-]")
	fs.StringVar(&a.format, "format", "text", "output `format`: text, json or html (one self-contained page)")
	fs.StringVar(&a.output, "o", "", "write the report to `file` (replaced whole, never half written) instead of stdout")
	fs.Var(&a.sources, "source", "`dir`ectory to find source files in, by the longest matching path suffix (repeatable); for files and stdin the dump's own paths are tried too, for URLs only these")
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
	fs.StringVar(&a.tls.CAFile, "pprof-ca-file", "", "for https URLs, the PEM `file` of the CA that signed the services' certificates, instead of the system's")
	fs.StringVar(&a.tls.CertFile, "pprof-cert-file", "", "for https URLs, a PEM client certificate `file`, for services that ask for one (with --pprof-key-file)")
	fs.StringVar(&a.tls.KeyFile, "pprof-key-file", "", "the PEM `file` of the key of --pprof-cert-file")
	fs.StringVar(&a.tls.ServerName, "pprof-server-name", "", "for https URLs, check the services' certificates for this `name` instead of their address")
	fs.StringVar(&a.auth.TokenFile, "pprof-token-file", "", "for URLs, a `file` holding a bearer token for the services, read at each request")
	fs.StringVar(&a.auth.User, "pprof-user", "", "for URLs, a basic auth `user` for the services (with --pprof-password-file)")
	fs.StringVar(&a.auth.PasswordFile, "pprof-password-file", "", "the `file` holding the password of --pprof-user, read at each request")
	a.auth.Flags = "--pprof"
	fs.Var(&a.limits, "limit", "raise or lower a bound on untrusted input, `NAME=N` (repeatable; negative turns it off): "+limitNames)
	return fs
}

// check validates flag values that the flag package cannot.
func (a *analyzeFlags) check() error {
	if a.format != "text" && a.format != "json" && a.format != "html" {
		return fmt.Errorf("--format %q: want text, json or html", a.format)
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
	if err := a.auth.Check(false); err != nil {
		return err
	}
	// The secrets are read at each request, for rotation, and once now:
	// a wrong file is told before any request.
	for file, flag := range map[string]string{a.auth.TokenFile: "--pprof-token-file", a.auth.PasswordFile: "--pprof-password-file"} {
		if file != "" {
			if _, err := remote.ReadSecret(file, flag); err != nil {
				return err
			}
		}
	}
	if a.tls != (remote.TLS{}) {
		// The files are read now: a wrong one is told before any request.
		c, err := a.tls.Client()
		if err != nil {
			return err
		}
		a.client = c
	}
	return nil
}

// classifier returns a new classifier for one input. They share one
// Source, so watch, which classifies a sample per target per interval,
// reads each source file once, not once a sample.
//
// remote says the goroutines come from over the network: then the paths
// they name are the remote service's to choose, and only the --source
// roots the user named are read. A local dump names paths on the user's
// own machine, and its own paths are read too.
func (a *analyzeFlags) classifier(remote bool) *classify.Classifier {
	a.srcOnce.Do(func() { a.src = &classify.Source{Roots: a.sources, UseDumpPaths: !remote} })
	return classify.New(classify.Config{
		Rules: a.ignores.rules, NoDefaultRules: a.noDefaults,
		// Only JSON lists every goroutine; text would keep a record per
		// goroutine it never prints.
		Source: a.src, KeepGoroutines: a.format == "json", MaxIDs: a.maxIDs,
	})
}

func (a *analyzeFlags) parseOptions(e *env) stack.Options {
	return stack.Options{Lenient: a.lenient, Limits: a.limits.stack, Warn: func(err *stack.SyntaxError) {
		fmt.Fprintf(e.stderr, "leakhound: warning: skipped %s\n", report.Escape(err.Error()))
	}}
}

func (a *analyzeFlags) remoteOptions(e *env) remote.Options {
	full := map[string]remote.Full{"auto": remote.FullAuto, "always": remote.FullAlways, "never": remote.FullNever}[a.full]
	return remote.Options{Client: a.client, Timeout: a.timeout, MaxBytes: a.maxBytes, Full: full, FullBelow: a.fullBelow, Parse: a.parseOptions(e), Proto: a.limits.proto, Auth: a.auth}
}

// keep is the filter of --min-count, --min-minutes and --class. Proven
// leaks are never filtered by count or age: the runtime's word is final.
func (a *analyzeFlags) keep(f *classify.Finding) bool { return a.hiddenBy(f) == "" }

// hiddenBy names the flag that hides f, or "".
func (a *analyzeFlags) hiddenBy(f *classify.Finding) string {
	switch {
	case len(a.classes) > 0 && !slices.Contains(a.classes, string(f.Class)):
		return "--class " + strings.Join(a.classes, ",")
	case f.Verdict != classify.Suspect:
	case f.Count < a.minCount:
		return "--min-count " + strconv.Itoa(a.minCount)
	case f.MaxMinutes < a.minMinutes:
		return "--min-minutes " + strconv.Itoa(a.minMinutes)
	}
	return ""
}

// filter applies the flags to r and returns a note for each flag that hid
// leaks or suspects, so that the totals never shrink in silence.
func (a *analyzeFlags) filter(r *classify.Report) []string {
	type hidden struct{ goroutines, groups int }
	by := map[string]*hidden{}
	var order []string
	for _, f := range r.Findings {
		flag := a.hiddenBy(f)
		if flag == "" || (f.Verdict != classify.Leak && f.Verdict != classify.Suspect) {
			continue
		}
		h := by[flag]
		if h == nil {
			h = &hidden{}
			by[flag] = h
			order = append(order, flag)
		}
		h.goroutines += f.Count
		h.groups++
	}
	r.Keep(a.keep)
	var notes []string
	for _, flag := range order {
		h := by[flag]
		notes = append(notes, fmt.Sprintf("%s in %s of leaks or suspects hidden by %s", report.Plural(h.goroutines, "goroutine"), report.Plural(h.groups, "group"), flag))
	}
	return notes
}

// output is what render needs besides the report.
type output struct {
	name  string   // what was read
	notes []string // what the input could not show
}

// render writes the report and returns the exit code it calls for.
func (a *analyzeFlags) render(e *env, out output, r *classify.Report) int {
	notes := append(out.notes, a.filter(r)...)
	var w io.Writer = e.stdout
	var buf bytes.Buffer
	if a.output != "" {
		w = &buf
	}
	var err error
	switch a.format {
	case "json":
		err = report.JSON(w, out.name, r)
	case "html":
		err = report.HTML(w, out.name, r, report.HTMLOptions{Notes: notes, Source: a.src})
	default:
		color := a.color == "always" || (a.color == "auto" && report.Color(w))
		opt := report.TextOptions{Color: color, Verbose: a.verbose, Notes: notes}
		err = report.Text(w, out.name, r, opt)
	}
	if err == nil && a.output != "" {
		err = replaceFile(a.output, buf.Bytes())
	}
	if err != nil {
		return e.fail("", fmt.Errorf("writing the report: %v", err))
	}
	if a.format == "json" {
		// JSON has no place for them; a person running it still learns
		// what is missing.
		for _, n := range notes {
			fmt.Fprintf(e.stderr, "leakhound: %s\n", report.Escape(n))
		}
	}
	if r.HasLeaks() {
		return ExitLeaks
	}
	return ExitOK
}

// fetch reads a service, telling the user what a costly request costs and
// how far a long one has come: once a full dump is asked for, a line every
// few seconds while the service formats it, then how much has been read.
func (a *analyzeFlags) fetch(e *env, target string, c *classify.Classifier) (*remote.Result, error) {
	opt := a.remoteOptions(e)
	var mu sync.Mutex // the ticker's lines and Fetch's share stderr
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(e.stderr, "leakhound: "+format+"\n", args...)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)
	every := e.waitTick
	if every == 0 {
		every = 2 * time.Second
	}
	var reading atomic.Bool
	opt.Notify = func(msg string) {
		say("%s", msg)
		start := time.Now()
		wg.Go(func() {
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					if !reading.Load() {
						say("waiting for the full dump: %v so far", time.Since(start).Round(time.Second/10))
					}
				}
			}
		})
	}
	last := time.Now()
	opt.Progress = func(read, total int) {
		reading.Store(true)
		if time.Since(last) >= every {
			last = time.Now()
			say("read %d of %d goroutines", read, total)
		}
	}
	return remote.Fetch(e.ctx, target, opt, c.Add)
}

func analyze(e *env, args []string) int {
	var a analyzeFlags
	fs := a.register("analyze", e)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return flagExit(fs, err)
	}
	if err := a.check(); err != nil {
		return e.fail("analyze", err)
	}
	if a.format != "json" {
		// Text and HTML print at most IDsShown ids a finding; JSON lists
		// them all.
		a.maxIDs = report.IDsShown
	}
	if len(pos) > 1 {
		return e.fail("analyze", fmt.Errorf("one input at a time, got %d: %s", len(pos), strings.Join(pos, " ")))
	}
	name := "-"
	if len(pos) == 1 {
		name = pos[0]
	} else if e.stdinTerminal {
		fmt.Fprintf(e.stderr, "leakhound analyze: no input: name a dump file or a URL, or pipe a dump in (analyze - reads what you type)\n")
		fmt.Fprintf(e.stderr, "usage: leakhound analyze [flags] [FILE|URL|-]\nRun 'leakhound help analyze' for the flags.\n")
		return ExitError
	}
	if u, ok := a.asURL(name); ok {
		c := a.classifier(true)
		res, err := a.fetch(e, u, c)
		if err != nil && u != name {
			err = fmt.Errorf("%v (no file %s exists, so it was read as a URL)", err, name)
		}
		if err != nil {
			return e.fail("analyze", err)
		}
		return a.render(e, output{name: describe(u, res), notes: proofNote(res)}, c.Report())
	}
	c := a.classifier(false)
	var r io.Reader = e.stdin
	if name == "-" {
		if e.stdinTerminal {
			fmt.Fprintf(e.stderr, "leakhound analyze: reading a goroutine dump from the terminal; end it with Ctrl-D\n")
		}
	} else {
		f, err := os.Open(name)
		if err != nil {
			return e.fail("analyze", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return e.fail("analyze", fmt.Errorf("%s: a directory, not a dump", name))
		}
		r = f
	}
	opt := input.Options{Options: a.parseOptions(e), Proto: a.limits.proto, MaxProto: a.limits.max}
	if a.format == "text" {
		// Text around the dump goes on to the output, so
		// "go test 2>&1 | leakhound analyze" loses nothing.
		opt.Passthrough = e.stdout
	}
	n, err := input.Read(r, opt, c.Add)
	var notes []string
	switch {
	case errors.Is(err, input.ErrEmptyProfile):
		notes = append(notes, "the profile lists no goroutines (a goroutineleak profile lists only proven leaks: none were)")
	case err != nil:
		return e.fail("analyze", fmt.Errorf("%s: %w", displayName(name), err))
	case n == 0:
		return e.fail("analyze", input.ErrEmpty(displayName(name)))
	}
	return a.render(e, output{name: displayName(name), notes: notes}, c.Report())
}

// asURL is the package's asURL, but host:port is read over https when a
// --pprof TLS flag is given: they say the services speak it.
func (a *analyzeFlags) asURL(name string) (string, bool) {
	u, ok := asURL(name)
	if ok && a.tls != (remote.TLS{}) && u != name && strings.HasPrefix(u, "http://") {
		u = "https://" + strings.TrimPrefix(u, "http://")
	}
	return u, ok
}

// asURL says whether an input names a service: an http(s) URL, or
// host:port (127.0.0.1:6060, localhost:6060/debug/pprof/goroutine) when no
// file of that name exists, as people type it after pprof's own examples.
func asURL(name string) (string, bool) {
	if strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://") {
		return name, true
	}
	if name == "-" || strings.Contains(name, "://") {
		return "", false
	}
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	hostPort, _, _ := strings.Cut(name, "/")
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil || host == "" || strings.ContainsAny(host, `\ `) {
		return "", false
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", false
	}
	return "http://" + name, true
}

func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// describe says what was read from a service, and what the report lacks
// when only profiles were. The URL goes without its credentials.
func describe(target string, res *remote.Result) string {
	s := remote.Redact(target)
	stacks := ""
	if res.Stacks > 0 {
		stacks = " in " + report.Plural(res.Stacks, "stack")
	}
	switch {
	case res.Full && res.Proof:
		s += " (full dump with the runtime's leak proof)"
	case res.Full:
		s += " (full dump)"
	case res.Proof:
		s += fmt.Sprintf(" (profile of %s%s with the runtime's leak proof; no ids or wait times above --full-below)", report.Plural(res.Count, "goroutine"), stacks)
	default:
		s += fmt.Sprintf(" (profile of %s%s; no ids or wait times)", report.Plural(res.Count, "goroutine"), stacks)
	}
	return s
}

// proofNote says, once, why nothing can be proven when the service has no
// leak profile.
func proofNote(res *remote.Result) []string {
	if !res.NoProof {
		return nil
	}
	return []string{"none proven: this service has no goroutineleak profile, which needs Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile"}
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
