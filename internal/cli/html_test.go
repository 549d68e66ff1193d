package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeHTML: --format html writes one page, to stdout or to -o FILE,
// with the leak's card and the source line around it.
func TestAnalyzeHTML(t *testing.T) {
	dump := leakyDump(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "dump.txt")
	if err := os.WriteFile(file, dump, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "", "analyze", "--format", "html", file)
	if code != ExitLeaks || !strings.HasPrefix(out, "<!DOCTYPE html>") {
		t.Fatalf("exit %d, stderr %s, output starts %.80q", code, errOut, out)
	}
	for _, want := range []string{`<span class="class">send-no-receiver</span>`, "internal/cli.leakyDump", `class="line here"`, "the leak under test"} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	page := filepath.Join(dir, "report.html")
	code, out, errOut = run(t, "", "analyze", "--format", "html", "-o", page, file)
	if code != ExitLeaks || out != "" {
		t.Fatalf("-o: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	b, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(b), `<span class="class">send-no-receiver</span>`) {
		t.Fatalf("-o wrote %d bytes (%v) without the finding", len(b), err)
	}
	if fi, err := os.Stat(page); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("-o file mode %v (%v), want 0644", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".report.html.*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	code, _, errOut = run(t, "", "analyze", "--format", "html", "-o", filepath.Join(dir, "no", "such", "dir", "r.html"), file)
	if code != ExitError || !strings.Contains(errOut, "r.html") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("-o into a missing directory: exit %d, stderr %q; want 2 and one line naming the file", code, errOut)
	}
	if code, _, errOut := run(t, "", "analyze", "--format", "xml", file); code != ExitError || !strings.Contains(errOut, "want text, json or html") {
		t.Errorf("--format xml: exit %d, %s", code, errOut)
	}
}
