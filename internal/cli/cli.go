// Package cli is the leakhound command: a table of subcommands, each a
// function from arguments to an exit code.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/leakhound/leakhound/report"
)

// Exit codes, the same for every subcommand so CI can gate on them.
const (
	ExitOK    = 0 // no leak, no suspect
	ExitLeaks = 1 // at least one leak or suspect
	ExitError = 2 // bad input, bad flags, unreachable target
)

// env is what a subcommand may touch.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// stdinTerminal is set when stdin is a terminal, where nobody may be
	// about to type a dump.
	stdinTerminal bool
	// nextRound, when set, replaces watch's clock: it is called after
	// each round with the round's number and says whether to sample
	// again (at once) or to finish. Tests drive watch with it.
	nextRound func(round int) bool
	// waitTick is how often a long request says it is still waiting;
	// 0 means 2 s.
	waitTick time.Duration
}

type command struct {
	name    string
	args    string // the usage after the name
	summary string
	run     func(e *env, args []string) int
}

// commands is the table --help prints and a test checks.
var commands []command

func init() {
	commands = []command{
		{"analyze", "[flags] [FILE|URL|-]", "find and explain leaks in a goroutine dump, profile or live service", analyze},
		{"demo", "[--keep] [flags]", "start a leaky demo service, drive traffic, and analyze it", demoCmd},
		{"watch", "[flags] URL...", "watch live services and report the goroutine groups that grow", watch},
		{"vet", "[--format text|json|sarif] [packages]", "check Go source for goroutine-leak patterns (leakvet)", vet},
		{"classes", "", "list the leak classes and their fixes", classes},
		{"version", "", "print the version", version},
		{"help", "[command]", "show help", help},
	}
}

// Main runs the command line args (without the program name) and returns
// the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, stdinTerminal: terminal(stdin)}
	return e.main(args)
}

func (e *env) main(args []string) int {
	stderr, stdout := e.stderr, e.stdout
	if len(args) == 0 {
		usage(stderr)
		return ExitError
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			break
		}
		usage(stdout)
		return ExitOK
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "leakhound: unknown command %q; run leakhound help\n", name)
	return ExitError
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "leakhound finds, proves and explains goroutine leaks.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  leakhound %-8s %-24s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\nExit codes: 0 no leak, 1 leaks or suspects found, 2 error.\n")
}

func help(e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stdout)
		return ExitOK
	}
	return e.main([]string{args[0], "-h"})
}

// terminal reports whether f is a terminal: a character device other than
// the null device, which "< /dev/null" makes stdin and which a person
// does not type into. (The standard library has no isatty; this is close
// enough for deciding whether to wait for input.)
func terminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	fi, err := file.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

// parseFlags parses flags wherever they stand among the arguments, so
// "analyze dump.txt --format json" works as users type it.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			usagesMu.Lock()
			delete(usages, fs)
			usagesMu.Unlock()
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlags(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	// flagExit prints the usage: the short form after a wrong flag, the
	// full one for -h.
	fs.Usage = func() {}
	usagesMu.Lock()
	defer usagesMu.Unlock()
	usages[fs] = usageOf{e: e, name: name, args: args}
	return fs
}

// usageOf is what a flag set's usage needs.
type usageOf struct {
	e          *env
	name, args string
}

// usages holds each flag set's usage, printed by flagExit.
var (
	usagesMu sync.Mutex
	usages   = map[*flag.FlagSet]usageOf{}
)

// full prints the usage of a command for -h, on stdout: it is what was
// asked for.
func (u usageOf) full(fs *flag.FlagSet) {
	w := u.e.stdout
	fmt.Fprintf(w, "Usage: leakhound %s %s\n", u.name, u.args)
	for _, c := range commands {
		if c.name == u.name {
			fmt.Fprintf(w, "\n%s.\n", upper(c.summary))
		}
	}
	if more := details[u.name]; more != "" {
		fmt.Fprintf(w, "\n%s\n", more)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(u.e.stderr)
	}
}
func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// flagExit turns a flag error into an exit code: help is not an error.
// After the flag package's one-line error, a wrong flag gets the short
// usage, as the go command gives it.
func flagExit(fs *flag.FlagSet, err error) int {
	usagesMu.Lock()
	u := usages[fs]
	delete(usages, fs)
	usagesMu.Unlock()
	if errors.Is(err, flag.ErrHelp) {
		u.full(fs)
		return ExitOK
	}
	fmt.Fprintf(u.e.stderr, "usage: leakhound %s %s\nRun 'leakhound help %s' for the flags.\n", u.name, u.args, u.name)
	return ExitError
}

// fail prints err as the one line of a failing command, escaped: errors
// quote file names, URLs and lines of the input.
func (e *env) fail(cmd string, err error) int {
	if cmd != "" {
		cmd = " " + cmd
	}
	fmt.Fprintf(e.stderr, "leakhound%s: %s\n", cmd, report.Escape(limitHint(err).Error()))
	return ExitError
}

// listFlag collects a repeatable or comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// Version may be set by the linker; else the version go install built
// (`go install ...@v0.5.0`) is told, and "devel" for a build from a
// checkout.
var Version = ""

func version(e *env, args []string) int {
	v := Version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	fmt.Fprintf(e.stdout, "leakhound %s\n", v)
	return ExitOK
}
