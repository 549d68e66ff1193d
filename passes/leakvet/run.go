package leakvet

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// Exit codes, as for `leakhound analyze`.
const (
	ExitClean = 0 // no finding
	ExitFound = 1 // at least one finding
	ExitError = 2 // bad arguments, or packages that do not load or type-check
)

const usage = `usage: leakvet [--format text|json|sarif] [--show production,test,failed-test|all] [--tests=false] [--disable a,b] [--tags t1,t2] [--dir DIR] [packages]

leakvet reports goroutine-leak patterns in Go source: sends nobody receives,
channels nothing closes, nil channels, select {}, and returns that skip an
Unlock, a wg.Done() or a context's cancel. Packages default to ./...

Each finding has a category: production (code that is not a test), test
(a test, on a path on which it passes) or failed-test (only on a path on
which the test has already failed). --show picks those printed; the
default leaves out failed-test. Production findings are printed first.

Exit status: 0 no finding, 1 findings, 2 error.
It also runs as a vet tool: go vet -vettool=$(command -v leakvet) ./...
`

// A Finding is one diagnostic with its position resolved.
type Finding struct {
	Analyzer string `json:"analyzer"`
	Class    string `json:"class,omitempty"`
	// Category says where the leak happens: production, test (a path on
	// which the test passes) or failed-test (only a path on which it has
	// already failed).
	Category  string `json:"category"`
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
	Message   string `json:"message"`
	URL       string `json:"url,omitempty"`
	Fixes     []Fix  `json:"fixes,omitempty"`
}

// A Fix is a suggested fix: edits that, applied together, repair the code.
type Fix struct {
	Message string `json:"message"`
	Edits   []Edit `json:"edits"`
}

// An Edit replaces the bytes [Offset, End) of File with NewText.
type Edit struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
	Offset    int    `json:"offset"`
	End       int    `json:"end"`
	NewText   string `json:"new_text"`
}

// Run runs leakvet over the packages named by args (flags first) and prints
// its findings to stdout and its errors to stderr. It returns ExitClean,
// ExitFound or ExitError.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("leakvet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	format := fs.String("format", "text", "output `format`: text, json or sarif")
	tests := fs.Bool("tests", true, "also analyze test files")
	dir := fs.String("dir", "", "run the build in `directory` (default: the current one)")
	disable := fs.String("disable", "", "comma-separated `analyzers` not to run (e.g. lostcancel)")
	tags := fs.String("tags", "", "comma-separated build `tags`, as for go build (-tags integration)")
	showFlag := fs.String("show", strings.Join(DefaultShow, ","), "comma-separated `categories` of findings to print: production, test, failed-test, or all")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitClean
		}
		return ExitError
	}
	var print func(io.Writer, []Finding, string) error
	switch *format {
	case "text":
		print = printText
	case "json":
		print = printJSON
	case "sarif":
		print = printSARIF
	default:
		fmt.Fprintf(stderr, "leakvet: unknown --format %q: want text, json or sarif\n", *format)
		return ExitError
	}
	show, err := ParseShow(*showFlag)
	if err != nil {
		fmt.Fprintf(stderr, "leakvet: --show: %v\n", err)
		return ExitError
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	base := *dir
	if base == "" {
		base, _ = os.Getwd()
	}
	base, _ = filepath.Abs(base)

	analyzers, err := without(Analyzers(), *disable)
	if err != nil {
		fmt.Fprintf(stderr, "leakvet: --disable: %v\n", err)
		return ExitError
	}
	var buildFlags []string
	if *tags != "" {
		buildFlags = []string{"-tags=" + *tags}
	}
	findings, err := check(base, patterns, *tests, buildFlags, analyzers, stderr)
	var partial *PartialError
	if err != nil && !errors.As(err, &partial) {
		fmt.Fprintf(stderr, "leakvet: %v\n", err)
		return ExitError
	}
	hidden := make(map[string]int)
	findings = slices.DeleteFunc(findings, func(f Finding) bool {
		if slices.Contains(show, f.Category) {
			return false
		}
		hidden[f.Category]++
		return true
	})
	slices.SortStableFunc(findings, byCategory)
	for _, c := range []string{Production, Test, FailedTest} {
		if n := hidden[c]; n > 0 {
			fmt.Fprintf(stderr, "leakvet: %d %s not shown (--show all prints them)\n", n, plural(n, c))
		}
	}
	// Findings in the packages that loaded are printed even when others did not.
	if perr := print(stdout, findings, base); perr != nil {
		fmt.Fprintf(stderr, "leakvet: writing output: %v\n", perr)
		return ExitError
	}
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "leakvet: %v\n", err)
		return ExitError
	case len(findings) > 0:
		return ExitFound
	}
	return ExitClean
}

// A PartialError says that some packages could not be analyzed (their
// errors were written out already); the findings of the others stand.
type PartialError struct {
	Packages []string // import paths of the packages left out
	Failed   bool     // an analyzer failed on a package that loaded
}

func (e *PartialError) Error() string {
	if len(e.Packages) == 0 {
		return "an analyzer failed (listed above)"
	}
	if len(e.Packages) == 1 {
		return "1 package was not analyzed: it or a package it imports has errors (listed above)"
	}
	return fmt.Sprintf("%d packages were not analyzed: they or packages they import have errors (listed above)", len(e.Packages))
}

// Check loads the packages matching patterns in dir and returns the
// findings of Analyzers over them, of every category, sorted by position
// and without the
// duplicates that a package and its test variant share. Package errors are
// written to errw; if any package has one, the findings of the others are
// returned with a *PartialError.
func Check(dir string, patterns []string, tests bool, errw io.Writer) ([]Finding, error) {
	return check(dir, patterns, tests, nil, Analyzers(), errw)
}

// without returns analyzers less those named in the comma-separated list.
func without(analyzers []*analysis.Analyzer, names string) ([]*analysis.Analyzer, error) {
	if names == "" {
		return analyzers, nil
	}
	drop := strings.Split(names, ",")
	for _, n := range drop {
		if !slices.ContainsFunc(analyzers, func(a *analysis.Analyzer) bool { return a.Name == n }) {
			return nil, fmt.Errorf("no analyzer %q", n)
		}
	}
	return slices.DeleteFunc(slices.Clone(analyzers), func(a *analysis.Analyzer) bool {
		return slices.Contains(drop, a.Name)
	}), nil
}

func check(dir string, patterns []string, tests bool, buildFlags []string, analyzers []*analysis.Analyzer, errw io.Writer) ([]Finding, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	mode := packages.LoadSyntax | packages.NeedModule
	if needFacts(analyzers) {
		mode = packages.LoadAllSyntax | packages.NeedModule // facts are computed on dependencies too
	}
	cfg := &packages.Config{Mode: mode, Dir: dir, Tests: tests, BuildFlags: buildFlags}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, goListError(err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no packages match %s", strings.Join(patterns, " "))
	}
	// A pattern that matches nothing loadable (outside any module, a
	// directory that does not exist) comes back as a package with only a
	// list error; when that is all there is, it is the command's error.
	if msgs := patternErrors(pkgs); len(msgs) == len(pkgs) {
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	var good []*packages.Package
	partial := &PartialError{}
	printed := make(map[*packages.Package]bool)
	needed := make(map[*packages.Package]int) // broken dependencies: how many roots need them
	var broken []*packages.Package
	for _, p := range pkgs {
		deps := brokenDeps(p)
		if len(p.Errors) == 0 && len(deps) == 0 {
			good = append(good, p)
			continue
		}
		partial.Packages = append(partial.Packages, p.ID)
		if !printed[p] {
			printed[p] = true
			for _, e := range p.Errors {
				// Type errors in a package whose import does not build
				// follow from that import ("could not import ... invalid
				// package name", undefined fields of its types): the line
				// below names the cause once (held-out round 17: river's
				// missing go.sum entries gave 2,000 such lines).
				if e.Kind == packages.TypeError && len(deps) > 0 {
					continue
				}
				fmt.Fprintf(errw, "%s\n", e)
			}
		}
		for _, d := range deps {
			if needed[d] == 0 {
				broken = append(broken, d)
			}
			needed[d]++
		}
	}
	// A dependency that does not build leaves every package that imports
	// it unanalyzed; say so once per dependency, with its first error, not
	// once per package and analyzer.
	for _, d := range broken {
		if printed[d] {
			continue
		}
		who := fmt.Sprintf("%d packages that import it were", needed[d])
		if needed[d] == 1 {
			who = "1 package that imports it was"
		}
		fmt.Fprintf(errw, "%s does not build, so %s not analyzed: %v\n", d.PkgPath, who, d.Errors[0])
	}
	graph, err := checker.Analyze(analyzers, good, nil)
	if err != nil {
		return nil, err
	}
	findings := collect(graph, dir)
	for act := range graph.All() {
		if act.IsRoot && act.Err != nil {
			fmt.Fprintf(errw, "%s: %s: %v\n", act.Package.ID, act.Analyzer.Name, act.Err)
			partial.Failed = true
		}
	}
	if len(partial.Packages) > 0 || partial.Failed {
		return findings, partial
	}
	return findings, nil
}

// patternErrors returns, one per package, the messages of the packages
// that are only go list errors about a pattern: no name, no files.
func patternErrors(pkgs []*packages.Package) []string {
	var msgs []string
	for _, p := range pkgs {
		if p.Name != "" || len(p.GoFiles)+len(p.CompiledGoFiles)+len(p.OtherFiles) > 0 || len(p.Errors) == 0 {
			continue
		}
		var these []string
		for _, e := range p.Errors {
			if e.Kind != packages.ListError {
				return nil
			}
			these = append(these, e.Msg)
		}
		msgs = append(msgs, strings.Join(these, "; "))
	}
	return msgs
}

// brokenDeps returns the packages p imports, directly or not, that have
// errors of their own.
func brokenDeps(p *packages.Package) []*packages.Package {
	var out []*packages.Package
	seen := make(map[*packages.Package]bool)
	var visit func(*packages.Package)
	visit = func(q *packages.Package) {
		for _, imp := range q.Imports {
			if seen[imp] {
				continue
			}
			seen[imp] = true
			if len(imp.Errors) > 0 {
				out = append(out, imp)
			}
			visit(imp)
		}
	}
	visit(p)
	return out
}

func collect(graph *checker.Graph, dir string) []Finding {
	type key struct {
		file      string
		line, col int
		message   string
	}
	seen := make(map[key]bool)
	var skip nolint
	var out []Finding
	for act := range graph.All() {
		if !act.IsRoot {
			continue
		}
		fset := act.Package.Fset
		for _, d := range act.Diagnostics {
			pos := fset.Position(d.Pos)
			end := pos
			if d.End.IsValid() {
				end = fset.Position(d.End)
			}
			k := key{pos.Filename, pos.Line, pos.Column, d.Message}
			cat := categoryOf(fset, d)
			if seen[k] || skip.suppressed(pos.Filename, pos.Line, act.Analyzer.Name) {
				continue // the same file in a package and its test variant, or silenced
			}
			seen[k] = true
			f := Finding{
				Analyzer:  act.Analyzer.Name,
				Class:     string(ClassOf(act.Analyzer.Name, d.Message)),
				Category:  cat,
				File:      relative(dir, pos.Filename),
				Line:      pos.Line,
				Column:    pos.Column,
				EndLine:   end.Line,
				EndColumn: end.Column,
				Message:   d.Message,
				URL:       cmp.Or(d.URL, act.Analyzer.URL),
			}
			for _, sf := range d.SuggestedFixes {
				f.Fixes = append(f.Fixes, fixOf(fset, sf, dir))
			}
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column), cmp.Compare(a.Message, b.Message))
	})
	return out
}

func fixOf(fset *token.FileSet, sf analysis.SuggestedFix, dir string) Fix {
	fix := Fix{Message: sf.Message}
	for _, e := range sf.TextEdits {
		pos := fset.Position(e.Pos)
		end := pos
		if e.End.IsValid() {
			end = fset.Position(e.End)
		}
		fix.Edits = append(fix.Edits, Edit{
			File:      relative(dir, pos.Filename),
			Line:      pos.Line,
			Column:    pos.Column,
			EndLine:   end.Line,
			EndColumn: end.Column,
			Offset:    pos.Offset,
			End:       end.Offset,
			NewText:   string(e.NewText),
		})
	}
	return fix
}

// relative shortens path to be relative to dir when it lies inside it.
func relative(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// needFacts reports whether an analyzer, or one it requires, uses facts.
func needFacts(analyzers []*analysis.Analyzer) bool {
	for _, a := range analyzers {
		if len(a.FactTypes) > 0 || needFacts(a.Requires) {
			return true
		}
	}
	return false
}

// goListError drops the wrapping go/packages puts around the go command's
// own message ("err: exit status 1: stderr: go: ..."), which says what and
// where already, and keeps its first line.
func goListError(err error) error {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "stderr: "); ok && strings.HasPrefix(msg, "err: exit status") {
		msg = rest
	}
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	return errors.New(msg)
}

// plural names n findings of category c.
func plural(n int, c string) string {
	what := map[string]string{
		Production: "finding in production code",
		Test:       "finding on a path where a test passes",
		FailedTest: "finding only on a path where a test has already failed",
	}[c]
	if n != 1 {
		what = strings.Replace(what, "finding", "findings", 1)
	}
	return what
}
