package leakvet

import (
	"cmp"
	"fmt"
	"go/token"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/passes/internal/category"
)

// The categories of a finding: where the leak happens.
const (
	Production = category.Production // code that is not a test
	Test       = category.Test       // a test, on a path on which it passes
	FailedTest = category.FailedTest // a test, only on a path on which it has already failed
)

// DefaultShow lists the categories shown unless asked otherwise: a
// goroutine left behind by a test that is failing anyway changes no
// result and goes away with the fix of the failure (docs/leakvet.md).
var DefaultShow = []string{Production, Test}

// ParseShow reads a --show value: a comma-separated list of categories,
// or "all".
func ParseShow(s string) ([]string, error) {
	if strings.TrimSpace(s) == "all" {
		return slices.Clone(category.All), nil
	}
	var out []string
	for c := range strings.SplitSeq(s, ",") {
		c = strings.TrimSpace(c)
		if !slices.Contains(category.All, c) {
			return nil, fmt.Errorf("no category %q: want %s, or all", c, strings.Join(category.All, ", "))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// categoryOf returns the category an analyzer gave a diagnostic, or, for
// one that gives none (x/tools' lostcancel), the category of its file.
func categoryOf(fset *token.FileSet, d analysis.Diagnostic) string {
	if d.Category != "" {
		return d.Category
	}
	if f := fset.File(d.Pos); f != nil && strings.HasSuffix(f.Name(), "_test.go") {
		return Test
	}
	return Production
}

// Show is a set of categories to show; as a flag.Value it reads what
// --show does (a comma-separated list, or "all").
type Show []string

func (s *Show) String() string {
	if s == nil {
		return ""
	}
	return strings.Join(*s, ",")
}

// Set replaces the set with the categories v names.
func (s *Show) Set(v string) error {
	show, err := ParseShow(v)
	if err != nil {
		return err
	}
	*s = show
	return nil
}

// Shown returns copies of the analyzers that report only the diagnostics
// whose category is in *show when they run, each with its category set:
// for drivers that print what analyzers report as they go (go vet
// -vettool, golangci-lint).
func Shown(analyzers []*analysis.Analyzer, show *Show) []*analysis.Analyzer {
	out := make([]*analysis.Analyzer, 0, len(analyzers))
	for _, a := range analyzers {
		b := *a
		b.Run = func(pass *analysis.Pass) (any, error) {
			p := *pass
			p.Report = func(d analysis.Diagnostic) {
				d.Category = categoryOf(pass.Fset, d)
				if slices.Contains(*show, d.Category) {
					pass.Report(d)
				}
			}
			return a.Run(&p)
		}
		out = append(out, &b)
	}
	return out
}

// byCategory orders findings production first, then by position.
func byCategory(a, b Finding) int {
	return cmp.Or(cmp.Compare(category.Rank(a.Category), category.Rank(b.Category)),
		cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column), cmp.Compare(a.Message, b.Message))
}
