package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// binDir holds programs the tests build, for the whole test binary.
var binDir string

func TestMain(m *testing.M) {
	var err error
	binDir, err = os.MkdirTemp("", "leakhound-cli")
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

var (
	targetOnce sync.Once
	targetBin  string
	targetErr  error
)

// startTarget runs the watchtarget program on addr and returns its URL.
func startTarget(t *testing.T, mode, addr string) (string, *exec.Cmd) {
	t.Helper()
	url, cmd, err := startTargetErr(t, mode, addr)
	if err != nil {
		t.Fatal(err)
	}
	return url, cmd
}

// startTargetErr is startTarget for goroutines other than the test's.
func startTargetErr(t *testing.T, mode, addr string) (string, *exec.Cmd, error) {
	targetOnce.Do(func() {
		targetBin = filepath.Join(binDir, "watchtarget")
		out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", targetBin, "./testdata/watchtarget").CombinedOutput()
		if err != nil {
			targetErr = err
			t.Logf("%s", out)
		}
	})
	if targetErr != nil {
		return "", nil, targetErr
	}
	cmd := exec.Command(targetBin, "-mode", mode, "-addr", addr)
	stdout, _ := cmd.StdoutPipe()
	// The target exits when its stdin closes: at the latest when this
	// process does, even if it is killed before its cleanups run.
	if _, err := cmd.StdinPipe(); err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return "", nil, fmt.Errorf("target: %v", err)
	}
	return "http://" + strings.TrimSpace(line), cmd, nil
}

type watchDoc struct {
	Targets []struct {
		URL      string      `json:"url"`
		Input    string      `json:"input"`
		Samples  int         `json:"samples"`
		Errors   int         `json:"errors"`
		LastErr  string      `json:"last_error"`
		Restarts []time.Time `json:"restarts"`
		Groups   []struct {
			Class   string `json:"class"`
			Growing bool   `json:"growing"`
			Growth  int    `json:"growth"`
			Blocked struct {
				Func string `json:"func"`
			} `json:"blocked_at"`
		} `json:"groups"`
		Suspects []struct {
			Class string `json:"class"`
			Count int    `json:"count"`
		} `json:"suspects"`
	} `json:"targets"`
}

// runRounds runs the command line with watch's clock replaced: next is
// called after each round and says whether to sample again, so a test
// decides what happens between two samples and no timing can flake.
func runRounds(t *testing.T, next func(round int) bool, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{ctx: t.Context(), stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, nextRound: next}
	code := e.main(args)
	return code, out.String(), errOut.String()
}

func watchJSON(t *testing.T, next func(round int) bool, args ...string) (int, watchDoc) {
	t.Helper()
	// A long interval: the rounds come from next, and no request is cut
	// short by an interval on a busy machine.
	args = append([]string{"watch", "--format", "json", "--interval", "1h", "--timeout", "1m"}, args...)
	code, out, errOut := runRounds(t, next, args...)
	var doc watchDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("exit %d, not JSON: %v\n%s\n%s", code, err, out, errOut)
	}
	return code, doc
}

// leakClient bounds a fixture that fails to park its goroutines: the test
// fails instead of hanging.
var leakClient = &http.Client{Timeout: time.Minute}

// leakMore makes a watchtarget leak n more goroutines, all parked when it
// returns.
func leakMore(t *testing.T, target string, n int) {
	t.Helper()
	resp, err := leakClient.Get(fmt.Sprintf("%s/leak?n=%d", target, n))
	if err != nil {
		t.Fatalf("leaking on %s: %v", target, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("leaking on %s: %s", target, resp.Status)
	}
}

// TestWatch: a service that leaks between samples is reported with the
// growing group and its class; one under steady load with no leak is not.
func TestWatch(t *testing.T) {
	leaky, _ := startTarget(t, "leak", "127.0.0.1:0")
	steady, _ := startTarget(t, "steady", "127.0.0.1:0")
	code, doc := watchJSON(t, func(round int) bool {
		leakMore(t, leaky, 5)
		return round < 6
	}, leaky, steady)
	if code != ExitLeaks || len(doc.Targets) != 2 {
		t.Fatalf("exit %d, %d targets; want 1, 2", code, len(doc.Targets))
	}
	l, s := doc.Targets[0], doc.Targets[1]
	if l.Samples != 6 || len(l.Groups) == 0 {
		t.Fatalf("leaky target: %d samples, groups %+v", l.Samples, l.Groups)
	}
	g := l.Groups[0]
	if g.Class != "send-no-receiver" || !g.Growing || g.Growth < 10 || g.Blocked.Func != "main.fetch.func1" {
		t.Errorf("leaky target's group = %+v", g)
	}
	// Its ticker loop's receive may be listed as a suspect of the last
	// sample; nothing grew.
	if len(s.Groups) != 0 || s.Samples != 6 {
		t.Errorf("steady target: %d samples, groups %+v; want none", s.Samples, s.Groups)
	}
	for _, f := range s.Suspects {
		if f.Class == "send-no-receiver" {
			t.Errorf("steady target: suspect %+v", f)
		}
	}
}

// TestWatchFailures: a dead target and one answering garbage are reported,
// and the others go on; a target that restarts is noticed.
func TestWatchFailures(t *testing.T) {
	leaky, _ := startTarget(t, "leak", "127.0.0.1:0")
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>not pprof</html>"))
	}))
	defer garbage.Close()

	// A service that stops answering for a round and comes back on the
	// same address.
	restarting, cmd := startTarget(t, "leak", "127.0.0.1:0")
	code, doc := watchJSON(t, func(round int) bool {
		leakMore(t, leaky, 3)
		switch round {
		case 2:
			cmd.Process.Kill()
			cmd.Wait()
		case 3:
			startTarget(t, "leak", strings.TrimPrefix(restarting, "http://"))
		}
		return round < 6
	}, leaky, deadURL, garbage.URL, restarting)
	if code != ExitError {
		t.Errorf("exit %d, want 2 as a target never answered", code)
	}
	l, d, gb, rs := doc.Targets[0], doc.Targets[1], doc.Targets[2], doc.Targets[3]
	if l.Samples != 6 || len(l.Groups) == 0 || l.Errors != 0 || len(l.Restarts) != 0 {
		t.Errorf("the healthy target did not go on: %+v", l)
	}
	if d.Samples != 0 || !strings.Contains(d.LastErr, "connection refused") {
		t.Errorf("dead target: %+v", d)
	}
	if gb.Samples != 0 || !strings.Contains(gb.LastErr, "invalid pprof profile") {
		t.Errorf("garbage target: %+v", gb)
	}
	if rs.Errors != 1 || len(rs.Restarts) != 1 || rs.LastErr != "" || rs.Samples != 5 {
		t.Errorf("restarting target: %d samples, %d errors, restarts %v, last error %q", rs.Samples, rs.Errors, rs.Restarts, rs.LastErr)
	}
	// In text, a service that never answered is not said to be clean.
	code, out, _ := runRounds(t, func(round int) bool { return false }, "watch", "--color", "never", "--interval", "1h", deadURL)
	if code != ExitError || !strings.Contains(out, "it never answered: nothing is known of its goroutines") || strings.Contains(out, "no group grew") {
		t.Errorf("a dead service in text: exit %d\n%s", code, out)
	}
}

// TestWatchRestartBetweenSamples: a service replaced by a new process
// between two samples, with no failed request (as behind a load balancer
// during a rolling deploy), is seen as a restart: its groups start again.
func TestWatchRestartBetweenSamples(t *testing.T) {
	if aslr, err := os.ReadFile("/proc/sys/kernel/randomize_va_space"); err == nil && strings.TrimSpace(string(aslr)) == "0" {
		t.Skip("ASLR is off: two processes of one binary cannot be told apart from their profiles")
	}
	first, firstCmd := startTarget(t, "leak", "127.0.0.1:0")
	var backend atomic.Pointer[url.URL]
	u, _ := url.Parse(first)
	backend.Store(u)
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backend.Load())
	}})
	defer proxy.Close()
	current := first
	code, doc := watchJSON(t, func(round int) bool {
		if round == 3 {
			second, _ := startTarget(t, "leak", "127.0.0.1:0")
			u, _ := url.Parse(second)
			backend.Store(u)
			firstCmd.Process.Kill()
			firstCmd.Wait()
			current = second
		}
		leakMore(t, current, 4)
		return round < 7
	}, proxy.URL)
	if code != ExitLeaks || len(doc.Targets) != 1 {
		t.Fatalf("exit %d, %d targets; want 1, 1", code, len(doc.Targets))
	}
	w := doc.Targets[0]
	if w.Errors != 0 || len(w.Restarts) != 1 {
		t.Errorf("%d errors, restarts %v; want none and one", w.Errors, w.Restarts)
	}
	if len(w.Groups) == 0 || w.Groups[0].Class != "send-no-receiver" || !w.Groups[0].Growing {
		t.Errorf("groups after the restart: %+v", w.Groups)
	}
}

func TestWatchBadArgs(t *testing.T) {
	for _, args := range [][]string{{"watch"}, {"watch", "ftp://x"}, {"watch", "--interval", "0s", "http://127.0.0.1:1"}} {
		if code, _, errOut := run(t, "", args...); code != ExitError || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
}

// TestWatchTextTotals: the final report's header counts the goroutines of
// the last sample, as the last progress line does, and the numbers take
// their plurals.
func TestWatchTextTotals(t *testing.T) {
	leaky, _ := startTarget(t, "leak", "127.0.0.1:0")
	code, out, errOut := runRounds(t, func(round int) bool {
		leakMore(t, leaky, 3)
		return round < 5
	}, "watch", "--color", "never", "--interval", "1h", "--timeout", "1m", leaky)
	if code != ExitLeaks {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	last := regexp.MustCompile(`sample 5: \S+: (\d+) goroutines`).FindStringSubmatch(errOut)
	head := regexp.MustCompile(`(?m)^(\d+) goroutines in ` + regexp.QuoteMeta(leaky)).FindStringSubmatch(out)
	if last == nil || head == nil || last[1] != head[1] {
		t.Errorf("last sample %v, header %v:\n%s\n%s", last, head, errOut, out)
	}
	if !strings.Contains(out, "== "+leaky+": 5 samples") || regexp.MustCompile(`\b1 (samples|goroutines|groups)\b`).MatchString(out+errOut) {
		t.Errorf("counts:\n%s", out)
	}
}

// TestWatchShort: a watch too short for anything to grow still says what
// the last sample holds: its suspects, and its parked goroutines.
func TestWatchShort(t *testing.T) {
	var dump strings.Builder
	// Five sends on a nil channel (a trap the stack shows: suspect), and
	// twenty sends on a channel from one creator (parked).
	for i := range 5 {
		fmt.Fprintf(&dump, "goroutine %d [chan send (nil chan)]:\nmain.report()\n\t/src/main.go:20 +0x1d\ncreated by main.run in goroutine 1\n\t/src/main.go:10 +0x2b\n\n", 10+i)
	}
	for i := range 20 {
		fmt.Fprintf(&dump, "goroutine %d [chan send]:\nmain.work()\n\t/src/main.go:30 +0x1d\ncreated by main.run in goroutine 1\n\t/src/main.go:11 +0x2b\n\n", 20+i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(dump.String())) }))
	defer srv.Close()
	u := srv.URL + "/debug/pprof/goroutine?debug=2"
	once := func(int) bool { return false }
	code, out, errOut := runRounds(t, once, "watch", "--color", "never", "--interval", "1h", u)
	flat := strings.Join(strings.Fields(out), " ")
	if code != ExitLeaks || !strings.Contains(flat, "no group grew") ||
		!strings.Contains(flat, "the last sample also holds 5 suspect goroutines in 1 group that did not grow") ||
		!strings.Contains(flat, "nil-channel-send") ||
		!strings.Contains(flat, "the last sample holds 20 goroutines parked in 1 group") {
		t.Errorf("exit %d:\n%s\n%s", code, out, errOut)
	}
	code, doc := watchJSON(t, once, u)
	if code != ExitLeaks || len(doc.Targets) != 1 || len(doc.Targets[0].Suspects) != 1 || doc.Targets[0].Suspects[0].Count != 5 {
		t.Errorf("JSON: exit %d, %+v", code, doc)
	}
}
