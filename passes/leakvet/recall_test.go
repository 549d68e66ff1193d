package leakvet_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/passes/leakvet"
)

// A leakCase is one bug report's shape in testdata/recall.
type leakCase struct {
	source   string // the report's URL
	shape    string // the doc comment's first sentence after the source
	missed   bool
	file     string
	from, to int            // line range
	want     map[int]string // line -> analyzer that must report it
	got      map[int][]leakvet.Finding
}

var wantComment = regexp.MustCompile(`leakvet:(\w+)`)

// recallCases parses the cases out of testdata/recall.
func recallCases(t *testing.T, dir string) []*leakCase {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var cases []*leakCase
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		var inFile []*leakCase
		for _, d := range f.Decls {
			var doc *ast.CommentGroup
			switch d := d.(type) {
			case *ast.FuncDecl:
				doc = d.Doc
			case *ast.GenDecl:
				doc = d.Doc
			}
			text := doc.Text()
			i := strings.Index(text, "Source: ")
			if i < 0 {
				continue
			}
			lines := strings.SplitN(text[i+len("Source: "):], "\n", 2)
			url, _, _ := strings.Cut(lines[0], " ")
			rest := ""
			if len(lines) > 1 {
				rest = strings.Join(strings.Fields(lines[1]), " ")
			}
			// Skip a continuation of the source line in parentheses.
			if strings.HasPrefix(rest, "\"") || strings.Contains(lines[0], "(") {
				if j := strings.Index(rest, ")"); j >= 0 {
					rest = strings.TrimSpace(rest[j+1:])
				}
			}
			shape, _, _ := strings.Cut(rest, ". ")
			c := &leakCase{
				source: url,
				shape:  capitalize(strings.TrimSuffix(strings.TrimPrefix(shape, "Missed: "), ".")),
				missed: strings.HasPrefix(rest, "Missed:"),
				file:   filepath.Base(name),
				from:   fset.Position(doc.Pos()).Line,
				want:   make(map[int]string),
				got:    make(map[int][]leakvet.Finding),
			}
			if n := len(inFile); n > 0 {
				inFile[n-1].to = c.from - 1
			}
			inFile = append(inFile, c)
		}
		if n := len(inFile); n > 0 {
			inFile[n-1].to = fset.Position(f.End()).Line
		}
		for _, cg := range f.Comments {
			for _, cm := range cg.List {
				m := wantComment.FindStringSubmatch(cm.Text)
				if m == nil {
					continue
				}
				line := fset.Position(cm.Pos()).Line
				for _, c := range inFile {
					if c.from <= line && line <= c.to {
						c.want[line] = m[1]
					}
				}
			}
		}
		cases = append(cases, inFile...)
	}
	return cases
}

// TestRecall runs leakvet over shapes written from public bug reports and
// checks that it reports exactly the annotated lines.
func TestRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("loads packages with go list")
	}
	dir := filepath.Join("testdata", "recall")
	findings, err := leakvet.Check(dir, []string{"./..."}, true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cases := recallCases(t, dir)
	for _, f := range findings {
		placed := false
		for _, c := range cases {
			if c.file == f.File && c.from <= f.Line && f.Line <= c.to {
				c.got[f.Line] = append(c.got[f.Line], f)
				placed = true
			}
		}
		if !placed {
			t.Errorf("%s:%d: finding outside any case: %s", f.File, f.Line, f.Message)
		}
	}
	caught := 0
	for _, c := range cases {
		if c.missed != (len(c.want) == 0) {
			t.Errorf("%s (%s): a case says Missed: exactly when it has no leakvet: comment", c.file, c.source)
		}
		for line, analyzer := range c.want {
			if !slices.ContainsFunc(c.got[line], func(f leakvet.Finding) bool { return f.Analyzer == analyzer }) {
				t.Errorf("%s:%d: %s did not report the leak from %s", c.file, line, analyzer, c.source)
			}
		}
		for line, fs := range c.got {
			for _, f := range fs {
				if c.want[line] != f.Analyzer {
					t.Errorf("%s:%d: unexpected finding: %s", c.file, line, f.Message)
				}
			}
		}
		if !c.missed {
			caught++
		}
	}
	if caught < 20 {
		t.Errorf("leakvet catches %d shapes from real reports, want at least 20", caught)
	}
	table := recallTable(cases)
	golden(t, "recall.md", table)
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "leakvet.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), strings.TrimSpace(table)) {
		t.Errorf("docs/leakvet.md does not carry the recall table of testdata/recall.md; copy it over")
	}
}

// recallTable renders the cases as the markdown table in docs/leakvet.md.
func recallTable(cases []*leakCase) string {
	var b strings.Builder
	b.WriteString("| # | report | shape | caught by | class |\n|---|---|---|---|---|\n")
	caught := 0
	for i, c := range cases {
		by, class := "missed", "-"
		if !c.missed {
			caught++
			var names, classes []string
			for _, fs := range c.got {
				for _, f := range fs {
					if !slices.Contains(names, f.Analyzer) {
						names = append(names, f.Analyzer)
					}
					if !slices.Contains(classes, f.Class) {
						classes = append(classes, f.Class)
					}
				}
			}
			slices.Sort(names)
			slices.Sort(classes)
			by, class = strings.Join(names, ", "), strings.Join(classes, ", ")
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", i+1, c.source, c.shape, by, class)
	}
	fmt.Fprintf(&b, "\nCaught %d of %d shapes (testdata/recall/%s).\n", caught, len(cases), "*.go")
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
