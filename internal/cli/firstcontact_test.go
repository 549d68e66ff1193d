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

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/demo"
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
	// host:port that answers nothing: the error says how it was taken.
	if code, _, errOut := run(t, "", "analyze", "127.0.0.1:1"); code != ExitError || !strings.Contains(errOut, "no file 127.0.0.1:1 exists, so it was read as a URL") {
		t.Errorf("dead host:port: exit %d, %q", code, errOut)
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
// with an estimate, before it asks, and says it is still waiting while
// the service formats the dump.
func TestAnalyzeFullAlways(t *testing.T) {
	srv := pprofService(t)
	var stderr syncBuffer
	// The service answers the full dump only once leakhound has said it
	// is waiting for it.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("debug") == "2" {
			for !strings.Contains(stderr.String(), "waiting for the full dump") {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Millisecond):
				}
			}
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer slow.Close()
	var out bytes.Buffer
	e := &env{ctx: t.Context(), stdin: strings.NewReader(""), stdout: &out, stderr: &stderr, waitTick: 5 * time.Millisecond}
	code := e.main([]string{"analyze", "--full", "always", "--timeout", "1m", slow.URL})
	errOut := stderr.String()
	if code == ExitError || !regexp.MustCompile(`asking for a full dump of \d+ goroutines: the service stops the world while it formats them, about [0-9.]+m?s`).MatchString(errOut) ||
		!strings.Contains(errOut, "waiting for the full dump: ") || !strings.Contains(out.String(), "(full dump") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// syncBuffer is a bytes.Buffer that a test can read while the command
// writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestReadmeInstall: the README's install line, near the top, names the
// command's real import path.
func TestReadmeInstall(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	module := regexp.MustCompile(`(?m)^module (\S+)`).FindSubmatch(mod)
	if module == nil {
		t.Fatal("no module line in go.mod")
	}
	top := strings.Join(strings.SplitN(string(readme), "\n", 20)[:19], "\n")
	if want := "go install " + string(module[1]) + "/cmd/leakhound@latest"; !strings.Contains(top, want) {
		t.Errorf("the README's first lines lack %q", want)
	}
	if _, err := os.Stat("../../cmd/leakhound/main.go"); err != nil {
		t.Error(err)
	}
}

// TestDemoText: the demo's text says why nothing is proven where the
// runtime cannot prove, and accounts for every leaky endpoint: reported,
// or named with the reason it is not.
func TestDemoText(t *testing.T) {
	code, out, errOut := run(t, "", "demo", "--color", "never", "--requests", "2")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	flat := strings.Join(strings.Fields(out), " ")
	noProof := strings.Contains(flat, "none proven: this service has no goroutineleak profile")
	if noProof != (rpprof.Lookup("goroutineleak") == nil) {
		t.Errorf("the missing proof is said %v, the runtime has the profile %v:\n%s", noProof, !noProof, out)
	}
	// The handlers that started the goroutines of LEAK and SUSPECT
	// findings. Earlier tests' demo services leave their goroutines in
	// this process, so an endpoint may have more than one finding.
	flagged := map[string]bool{}
	for _, block := range strings.Split(out, "\n\n") {
		if !strings.HasPrefix(block, "LEAK ") && !strings.HasPrefix(block, "SUSPECT ") {
			continue
		}
		if m := regexp.MustCompile(`(?m)^  created \S+  (\S+)`).FindStringSubmatch(block); m != nil {
			flagged[m[1]] = true
		}
	}
	leaky := 0
	for _, ep := range demo.New().Endpoints() {
		if !ep.Leak {
			continue
		}
		leaky++
		if flagged[ep.Handler] == strings.Contains(flat, ep.Path+" is not reported:") {
			t.Errorf("%s: flagged %v, and said not to be %v", ep.Path, flagged[ep.Handler], !flagged[ep.Handler])
		}
	}
	if !strings.Contains(errOut, fmt.Sprintf("%d leaky endpoints", leaky)) {
		t.Errorf("stderr %q", errOut)
	}
}

// TestDemoUnreported: a leaky endpoint with no finding is named, with the
// reason its class gives.
func TestDemoUnreported(t *testing.T) {
	eps := demo.New().Endpoints()
	r := &classify.Report{}
	for _, ep := range eps {
		if ep.Leak && ep.Class != classify.IOWithoutDeadline {
			r.Findings = append(r.Findings, &classify.Finding{Verdict: classify.Suspect, Class: ep.Class, CreatedAt: classify.Location{Func: ep.Handler}})
		}
	}
	notes := unreported(eps, r)
	if len(notes) != 1 || !strings.Contains(notes[0], "/leak/io is not reported: an I/O wait is suspect only after 5 minutes") {
		t.Errorf("notes %q", notes)
	}
}

// TestCredentialsNeverShown: a password in a URL is sent, and appears in
// no output, text or JSON, of analyze or watch, nor in their errors.
func TestCredentialsNeverShown(t *testing.T) {
	srv := pprofService(t)
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ops" || p != "hunter2" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer auth.Close()
	good := strings.Replace(auth.URL, "http://", "http://ops:hunter2@", 1)
	bad := strings.Replace(auth.URL, "http://", "http://ops:wrongpass@", 1)
	runs := []struct {
		args    []string
		wantErr bool // a target answered 401
	}{
		{[]string{"analyze", "--color", "never", good}, false},
		{[]string{"analyze", "--format", "json", good}, false},
		{[]string{"analyze", bad}, true},
		{[]string{"watch", "--format", "json", "--interval", "1h", "--timeout", "1m", good, bad}, true},
		{[]string{"watch", "--color", "never", "--interval", "1h", "--timeout", "1m", good, bad}, true},
	}
	for _, r := range runs {
		args := r.args
		code, out, errOut := runRounds(t, func(int) bool { return false }, args...)
		if (code == ExitError) != r.wantErr {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
		for _, s := range []string{out, errOut} {
			if strings.Contains(s, "hunter2") || strings.Contains(s, "wrongpass") {
				t.Errorf("%v: a password in the output:\n%s", args, s)
			}
		}
		if !strings.Contains(out+errOut, strings.TrimPrefix(auth.URL, "http://")) {
			t.Errorf("%v: the target is not named:\n%s\n%s", args, out, errOut)
		}
	}
}

// TestAnalyzeHostileNames: function names and paths with escape sequences
// and control characters, served by a URL, reach the terminal escaped.
func TestAnalyzeHostileNames(t *testing.T) {
	dump := "goroutine 7 [chan send]:\nmain.evil\x1b]0;pwned\x07\u202e()\n\t/src/\x1b[2Jx.go:3 +0x1d\ncreated by main.start\x1b[31m in goroutine 1\n\t/src/main.go:10 +0x2b\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(dump)) }))
	defer srv.Close()
	code, out, errOut := run(t, "", "analyze", "--color", "never", "-v", srv.URL+"/debug/pprof/goroutine?debug=2")
	if code == ExitError {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for i, r := range out + errOut {
		if r != '\n' && (r < 0x20 || r == 0x7f || r == '\u202e') {
			t.Fatalf("raw %U at %d:\n%s", r, i, out)
		}
	}
	if !strings.Contains(out, `main.evil\x1b]0;pwned\a\u202e`) || !strings.Contains(out, `\x1b[2Jx.go:3`) {
		t.Errorf("the hostile names are not shown escaped:\n%s", out)
	}
}

// TestTerminal: the null device is no terminal, a file neither.
func TestTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, _ := os.Open("cli.go")
	defer file.Close()
	if terminal(null) || terminal(file) || terminal(strings.NewReader("")) {
		t.Error("a terminal where there is none")
	}
	if code, _, errOut := run(t, "", "analyze", t.TempDir()); code != ExitError || !strings.Contains(errOut, "a directory, not a dump") {
		t.Errorf("a directory: exit %d, %q", code, errOut)
	}
}
