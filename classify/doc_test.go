package classify

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/classes.md from the class table")

// TestClassesDoc keeps docs/classes.md in step with the class table.
func TestClassesDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Classes\n\n")
	b.WriteString("Every finding has one class. The ids are stable: they appear in JSON, metrics,\n")
	b.WriteString("`--class` and `--ignore` flags and leakvet diagnostics. This page is generated\n")
	b.WriteString("from `classify/classes.go` (`go test ./classify -update`).\n\n")
	b.WriteString("## Leak classes\n\n| class | what | why it blocks | fix |\n|---|---|---|---|\n")
	for _, c := range Classes {
		if c.Leak {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Class, c.Title, c.Cause, c.Fix)
		}
	}
	b.WriteString("\n## Not leaks\n\n| class | what |\n|---|---|\n")
	for _, c := range Classes {
		if !c.Leak {
			fmt.Fprintf(&b, "| `%s` | %s |\n", c.Class, c.Cause)
		}
	}
	b.WriteString("\n## Idle by design\n\nGoroutines matching these rules are class `idle`. Add your own with\n")
	b.WriteString("`--ignore [top:|any:|created:|state:]pattern` (exact, `prefix*` or `/regexp/`).\n\n| where | function | why |\n|---|---|---|\n")
	for _, r := range DefaultRules {
		where := string(r.Where)
		if r.OnlyIn != "" {
			where += ", in " + r.OnlyIn
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", where, r.Match, r.Reason)
	}
	path := filepath.Join("..", "docs", "classes.md")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != b.String() {
		t.Errorf("docs/classes.md is out of date: run go test ./classify -update")
	}
}
