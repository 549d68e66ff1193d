package cli

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/demo"
	"github.com/leakhound/leakhound/report"
)

// run runs the command line and returns its exit code and outputs.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := run(t, "", "--help")
	if code != ExitOK {
		t.Fatalf("--help exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(out, "leakhound "+c.name) {
			t.Errorf("--help does not list %s:\n%s", c.name, out)
		}
		// Help is what was asked for: on stdout, exit 0. vet prints
		// leakvet's own usage, the same for both commands.
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {"help", c.name}} {
			if code, out, errOut := run(t, "", args...); code != ExitOK || errOut != "" || (c.name != "version" && c.name != "help" && !strings.Contains(strings.ToLower(out), "usage: leak")) {
				t.Errorf("%s: exit %d, stdout %q, stderr %q", args, code, out, errOut)
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		if code, out, errOut := run(t, "", args...); code != ExitOK || errOut != "" || !strings.Contains(out, "leakhound analyze") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if code, _, errOut := run(t, "", "frobnicate"); code != ExitError || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	// A wrong flag: the flag's error, then the short usage, on stderr.
	for _, cmd := range []string{"analyze", "watch", "demo", "classes"} {
		code, out, errOut := run(t, "", cmd, "--frob")
		if code != ExitError || out != "" || !strings.Contains(errOut, "flag provided but not defined: -frob") ||
			!strings.Contains(errOut, "usage: leakhound "+cmd) || !strings.Contains(errOut, "leakhound help "+cmd) {
			t.Errorf("%s --frob: exit %d, stdout %q, stderr %q", cmd, code, out, errOut)
		}
	}
}

// leakyDump returns a runtime.Stack dump of this process after starting a
// goroutine that blocks forever on a send nobody receives.
func leakyDump(t *testing.T) []byte {
	ch := make(chan int)
	go func() { ch <- 1 }() // the leak under test
	time.Sleep(20 * time.Millisecond)
	buf := make([]byte, 1<<20)
	return buf[:runtime.Stack(buf, true)]
}

func TestAnalyzeFileAndStdin(t *testing.T) {
	dump := leakyDump(t)
	file := filepath.Join(t.TempDir(), "dump.txt")
	if err := os.WriteFile(file, dump, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "", "analyze", file, "--format", "json")
	if code != ExitLeaks {
		t.Fatalf("exit %d, want %d; stderr %s", code, ExitLeaks, errOut)
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	found := false
	for _, f := range doc.Findings {
		if f.Class == "send-no-receiver" && strings.HasPrefix(f.BlockedAt.Func, "github.com/leakhound/leakhound/internal/cli.leakyDump") {
			found = true
			if f.Verdict != "suspect" || f.BlockedAt.Source != "go func() { ch <- 1 }() // the leak under test" || f.Fix == "" {
				t.Errorf("finding = %+v", f)
			}
		}
		if f.Class == "idle" && f.Verdict != "ok" {
			t.Errorf("idle finding with verdict %s", f.Verdict)
		}
	}
	if !found || doc.Schema != report.Schema || doc.Total < 2 || len(doc.Goroutines) != doc.Total {
		t.Errorf("doc: found=%v schema=%s total=%d goroutines=%d", found, doc.Schema, doc.Total, len(doc.Goroutines))
	}

	// go test output around a dump passes through, and the report follows.
	in := "=== RUN   TestX\nsome log line\n" + string(dump) + "FAIL\texample.com/x\t0.1s\n"
	code, out, _ = run(t, in, "analyze", "-", "--color", "never")
	if code != ExitLeaks || !strings.HasPrefix(out, "=== RUN   TestX\nsome log line\n") || !strings.Contains(out, "FAIL\texample.com/x\t0.1s\n") ||
		!strings.Contains(out, "SUSPECT send-no-receiver") {
		t.Errorf("stdin: exit %d, output:\n%s", code, out)
	}

	// Only idle classes asked for: nothing to report, exit 0.
	if code, _, errOut := run(t, string(dump), "analyze", "--class", "idle"); code != ExitOK {
		t.Errorf("--class idle: exit %d, %s", code, errOut)
	}
	if code, _, _ := run(t, string(dump), "analyze", "--min-count", "1000"); code != ExitOK {
		t.Errorf("--min-count 1000: exit %d, want 0", code)
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>hello</html>"))
	}))
	defer html.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer hang.Close()
	missing := filepath.Join(t.TempDir(), "nope.txt")
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"garbage", "hello\nworld\n", []string{"analyze"}, "stdin: no goroutine dump or profile found"},
		{"truncated", "goroutine 1 [running]:\nmain.main()", []string{"analyze"}, "stdin: line 2: the input ends after a call"},
		{"missing file", "", []string{"analyze", missing}, "no such file"},
		{"dead url", "", []string{"analyze", deadURL}, "connection refused"},
		{"not pprof", "", []string{"analyze", html.URL}, "not a pprof profile"},
		{"hanging", "", []string{"analyze", "--timeout", "300ms", hang.URL}, "no complete answer within 300ms"},
		{"bad format", "", []string{"analyze", "--format", "xml"}, `--format "xml": want text or json`},
		{"bad class", "", []string{"analyze", "--class", "nope"}, `--class "nope": not a class`},
		{"bad rule", "", []string{"analyze", "--ignore", "/[/"}, "rule \"/[/\""},
		{"unknown flag", "", []string{"analyze", "--frob"}, "flag provided but not defined: -frob"},
		{"two inputs", "", []string{"analyze", "a", "b"}, "one input at a time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, _, errOut := run(t, tc.stdin, tc.args...)
			if code != ExitError || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errOut, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(errOut), "\n"); n > 0 && tc.name != "unknown flag" && tc.name != "bad rule" {
				t.Errorf("error is %d lines, want one: %q", n+1, errOut)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

// TestDemo runs the README's first command in process: every leaky
// endpoint's class is reported, none of the fixed twins' functions are.
func TestDemo(t *testing.T) {
	code, out, errOut := run(t, "", "demo", "--format", "json", "--requests", "3")
	if code != ExitOK {
		t.Fatalf("demo exit %d: %s", code, errOut)
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	// The twins block in the same functions; the handler that started
	// them tells them apart.
	type key struct{ blocked, creator string }
	byFunc := map[key]string{}
	for _, f := range doc.Findings {
		if f.Verdict != "ok" {
			byFunc[key{f.BlockedAt.Func, f.CreatedAt.Func}] = string(f.Class)
		}
	}
	for _, ep := range demo.New().Endpoints() {
		class, found := byFunc[key{ep.Func, ep.Handler}]
		switch {
		case ep.Leak && ep.Class.IsLeak() && ep.Class != "io-without-deadline" && class != string(ep.Class):
			t.Errorf("%s: %s reported as %q, want %s", ep.Path, ep.Func, class, ep.Class)
		case !ep.Leak && found:
			t.Errorf("%s: the fixed twin %s is reported as %s", ep.Path, ep.Func, class)
		}
	}
	if code, _, errOut := run(t, "", "demo", "--addr", "10.0.0.1:0"); code != ExitError || !strings.Contains(errOut, "loopback") {
		t.Errorf("non-loopback demo: exit %d, %q", code, errOut)
	}
}

// TestAnalyzeURL reads a live service both ways: a full dump and, as for
// a large service, profiles only.
func TestAnalyzeURL(t *testing.T) {
	svc, err := demo.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.Drive(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	// A URL that names one profile is read as is.
	for _, profile := range []string{"/debug/pprof/goroutine?debug=2", "/debug/pprof/goroutine?debug=0"} {
		code, out, errOut := run(t, "", "analyze", "--format", "json", svc.URL()+profile)
		if code != ExitLeaks || !strings.Contains(out, `"class": "send-no-receiver"`) {
			t.Errorf("%s: exit %d, %s", profile, code, errOut)
		}
	}
	// The service names its source files; a URL's are read only under the
	// roots given with --source.
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, full := range []string{"always", "never"} {
		t.Run(full, func(t *testing.T) {
			code, out, errOut := run(t, "", "analyze", "--format", "json", "--full", full, "--source", root, svc.URL())
			if code != ExitLeaks {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc report.Document
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			classes := map[string]bool{}
			proven := 0
			for _, f := range doc.Findings {
				classes[string(f.Class)] = true
				proven += f.Proven
				if full == "never" && len(f.GoroutineIDs) > 0 {
					t.Errorf("goroutine ids from a profile: %v", f.GoroutineIDs)
				}
			}
			for _, c := range []string{"send-no-receiver", "receive-no-sender", "select-forever", "range-never-closed", "context-never-done", "mutex-deadlock", "waitgroup-never-done", "cond-never-signalled"} {
				if !classes[c] {
					t.Errorf("no %s finding; got %v", c, classes)
				}
			}
			if strings.Contains(doc.Input, "leak proof") != (proven > 0) {
				t.Errorf("input %q but %d proven", doc.Input, proven)
			}
			if pprof.Lookup("goroutineleak") != nil && proven == 0 {
				t.Errorf("the runtime has the goroutineleak profile, and nothing is proven")
			}
		})
	}
}
