package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	rpprof "runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// pprofService serves this test process's net/http/pprof on loopback.
func pprofService(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestAnalyzeHostPort: host:port without a scheme is a URL when no such
// file exists, and a file when one does.
func TestAnalyzeHostPort(t *testing.T) {
	srv := pprofService(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, in := range []string{addr, addr + "/debug/pprof/goroutine?debug=2", strings.Replace(addr, "127.0.0.1", "localhost", 1)} {
		code, out, errOut := run(t, "", "analyze", "--color", "never", in)
		if code == ExitError || !strings.Contains(out, "in http://") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", in, code, out, errOut)
		}
	}
	// A file of that name wins.
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("localhost:1", leakyDump(t), 0o644)
	if code, out, errOut := run(t, "", "analyze", "--color", "never", "localhost:1"); code != ExitLeaks || !strings.Contains(out, "in localhost:1:") {
		t.Errorf("file named like host:port: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut := run(t, "", "analyze", "no-such-file.txt"); code != ExitError || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
}

// TestAnalyzeTerminal: with no input named and a terminal on stdin,
// analyze says what it wants at once instead of waiting in silence.
func TestAnalyzeTerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	e := &env{ctx: t.Context(), stdin: blockingReader{}, stdout: &out, stderr: &errOut, stdinTerminal: true}
	if code := e.main([]string{"analyze"}); code != ExitError || !strings.Contains(errOut.String(), "usage: leakhound analyze") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	// "-" reads the terminal, and says so first.
	out.Reset()
	errOut.Reset()
	e.stdin = strings.NewReader(string(leakyDump(t)))
	if code := e.main([]string{"analyze", "-"}); code != ExitLeaks || !strings.Contains(errOut.String(), "Ctrl-D") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

// blockingReader fails the test's purpose if read: it stands for a
// terminal nobody types into.
type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { panic("read a terminal nobody types into") }

// TestAnalyzeSourceRoots: a dump that came over the network cannot make
// leakhound print a file of this machine; the same dump from a file can,
// as the user's own; --source opens a root for the network.
func TestAnalyzeSourceRoots(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret", "creds.go")
	os.MkdirAll(filepath.Dir(secret), 0o755)
	os.WriteFile(secret, []byte("package secret\n\nvar key = \"TOPSECRET-42\" // line 3\n"), 0o644)
	dump := fmt.Sprintf(`goroutine 7 [chan send]:
main.worker()
	%s:3 +0x1d
created by main.start in goroutine 1
	/src/main.go:10 +0x2b
`, secret)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(dump)) }))
	defer srv.Close()
	url := srv.URL + "/debug/pprof/goroutine?debug=2"
	if _, out, errOut := run(t, "", "analyze", "--color", "never", "-v", url); strings.Contains(out, "TOPSECRET") || !strings.Contains(out, "send-no-receiver") {
		t.Errorf("a URL's dump read a local file:\n%s\n%s", out, errOut)
	}
	if _, out, _ := run(t, "", "analyze", "--format", "json", url); strings.Contains(out, "TOPSECRET") {
		t.Errorf("a URL's dump read a local file, JSON:\n%s", out)
	}
	if _, out, _ := run(t, "", "analyze", "--color", "never", "-v", "--source", dir, url); !strings.Contains(out, "TOPSECRET") {
		t.Errorf("--source %s: the line is not shown:\n%s", dir, out)
	}
	file := filepath.Join(dir, "dump.txt")
	os.WriteFile(file, []byte(dump), 0o644)
	if _, out, _ := run(t, "", "analyze", "--color", "never", "-v", file); !strings.Contains(out, "TOPSECRET") {
		t.Errorf("a local dump's own paths are not read:\n%s", out)
	}
	if code, out, _ := run(t, "", "analyze", "-h"); code != ExitOK || !strings.Contains(out, "only the\n--source directories") {
		t.Errorf("--help does not say where source lines come from:\n%s", out)
	}
}

// TestAnalyzeNumbers: the counts say what they count.
func TestAnalyzeNumbers(t *testing.T) {
	// Three goroutines each start two that leak at one line: one finding
	// of six goroutines, started by three.
	release := make(chan struct{})
	defer close(release)
	var started sync.WaitGroup
	for range 3 {
		started.Add(2)
		go func() {
			for range 2 {
				go func() { started.Done(); <-release }() // the creators test
			}
		}()
	}
	started.Wait()
	buf := make([]byte, 1<<22)
	dump := buf[:runtime.Stack(buf, true)]
	_, out, _ := run(t, string(dump), "analyze", "--color", "never")
	if !regexp.MustCompile(`6 goroutines[^\n]*\n(?:[^\n]*\n){0,2}  created [^\n]*TestAnalyzeNumbers[^\n]*  by 3 goroutines\n`).MatchString(out) {
		t.Errorf("the creators are not counted:\n%s", out)
	}

	// --min-minutes hides what waited less, and says so.
	_, out, _ = run(t, string(dump), "analyze", "--color", "never", "--min-minutes", "1")
	if !regexp.MustCompile(`\d+ goroutines? in \d+ groups? of leaks or suspects hidden by --min-minutes 1`).MatchString(out) {
		t.Errorf("--min-minutes hid goroutines in silence:\n%s", out)
	}
	_, out, errOut := run(t, string(dump), "analyze", "--format", "json", "--min-minutes", "1")
	if !strings.Contains(errOut, "hidden by --min-minutes 1") {
		t.Errorf("JSON: stderr does not say what was hidden: %q", errOut)
	}

	// A profile counts goroutines as goroutines and records as stacks.
	srv := pprofService(t)
	_, out, _ = run(t, "", "analyze", "--color", "never", srv.URL+"/debug/pprof/goroutine?debug=1")
	m := regexp.MustCompile(`^(\d+) goroutines in \S+ \(profile of (\d+) goroutines in (\d+) stacks`).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[2] == m[3] {
		t.Errorf("profile header: %q", strings.SplitN(out, "\n", 2)[0])
	}
	if regexp.MustCompile(`\b1 (goroutines|groups|stacks|samples|minutes)\b`).MatchString(out) {
		t.Errorf("a plural after 1:\n%s", out)
	}
}

// TestAnalyzeNoLeakProfile: a service without the leak profile gets one
// line saying what it needs, and the analysis goes on; asking for that
// profile by name says it too.
func TestAnalyzeNoLeakProfile(t *testing.T) {
	if rpprof.Lookup("goroutineleak") != nil {
		t.Skip("this runtime has the goroutineleak profile")
	}
	srv := pprofService(t)
	code, out, _ := run(t, "", "analyze", "--color", "never", srv.URL)
	if code == ExitError || strings.Count(strings.Join(strings.Fields(out), " "), "needs Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile") != 1 {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, _, errOut := run(t, "", "analyze", srv.URL+"/debug/pprof/goroutineleak?debug=1")
	if code != ExitError || !strings.Contains(errOut, "404 not found: the goroutineleak profile needs Go 1.27") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// TestAnalyzeFullAlways: --full always warns that it stops the world,
// with an estimate, before it asks.
func TestAnalyzeFullAlways(t *testing.T) {
	srv := pprofService(t)
	start := time.Now()
	code, _, errOut := run(t, "", "analyze", "--full", "always", srv.URL)
	if code == ExitError || !regexp.MustCompile(`asking for a full dump of \d+ goroutines: the service stops the world while it formats them, about [0-9.]+m?s`).MatchString(errOut) {
		t.Errorf("exit %d, stderr %q (%v)", code, errOut, time.Since(start))
	}
}
