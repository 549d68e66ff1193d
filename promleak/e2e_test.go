package promleak

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	rpprof "runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leakhound/leakhound/internal/demo"
	"github.com/leakhound/leakhound/monitor"
)

// The end-to-end test runs the shipped alerts.yml in a real Prometheus
// scraping two real services, each in a process of its own so that their
// goroutines do not mix: one leaks a goroutine on every request, its twin
// does the same work and leaks none. Both run the monitor and this
// collector. The rules run with every duration read in seconds instead of
// minutes, and the monitor samples every 0.5 s instead of 30 s: the same
// alerts on a clock 60 times faster.

const (
	// serviceEnv makes the test binary a service: "leak" or "fixed".
	serviceEnv = "PROMLEAK_E2E_SERVICE"
	// speedup is how much faster than production the test's clock runs.
	speedup = 60
	// alertWait bounds the wait for the leak alert; it fires after about
	// 20 s of leaking (two 5 s spans, then 10 s of for:).
	alertWait = 75 * time.Second
)

// TestServiceProcess is not a test: it is the service the end-to-end test
// starts, when run with serviceEnv set. It prints its address, serves until
// its standard input closes (the test ended) or three minutes pass, and
// returns.
func TestServiceProcess(t *testing.T) {
	kind := os.Getenv(serviceEnv)
	if kind == "" {
		t.Skip("the service of TestPrometheusAlerts; runs only as its child process")
	}
	if err := serve(kind); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

// serve runs one service: GET /work is the demo's /leak/timeout ("leak")
// or its fixed twin ("fixed"), and /metrics exports the monitor.
func serve(kind string) error {
	path := map[string]string{"leak": "/leak/timeout", "fixed": "/fixed/timeout"}[kind]
	if path == "" {
		return fmt.Errorf("%s=%q: want leak or fixed", serviceEnv, kind)
	}
	m := monitor.New(monitor.Config{Interval: 30 * time.Second / speedup})
	if err := m.Start(context.Background()); err != nil {
		return err
	}
	defer m.Stop()
	c, err := New(m)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)

	svc := demo.New()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.URL.Path = path
		svc.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Println(ln.Addr())

	// Wait by reading: a goroutine parked in a select here would be a
	// suspect of its own in the fixed service. The timer ends a service
	// whose test died without closing the pipe.
	time.AfterFunc(3*time.Minute, func() { os.Exit(0) })
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// service is a service process of the end-to-end test.
type service struct {
	addr   string
	stderr *lockedWriter
}

// startService runs the test binary as a service of the given kind; the
// process ends with the test.
func startService(t *testing.T, kind string) *service {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServiceProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), serviceEnv+"="+kind)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedWriter{w: new(strings.Builder)}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("%s service: no address: %v\n%s", kind, err, stderr)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return &service{addr: strings.TrimSpace(line), stderr: stderr}
}

// lockedWriter collects a process's output for the test's failure messages.
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// ruleDuration is a duration in the rules: after for:, offset or in a range.
var ruleDuration = regexp.MustCompile(`(for: |offset |\[)(\d+)([smhdwy])\b`)

// fastRules returns the rules with minutes read as seconds and hours as
// minutes. Any other unit is an error: the rules would no longer be the
// same alerts at the test's speed.
func fastRules(rules string) (string, error) {
	var err error
	out := ruleDuration.ReplaceAllStringFunc(rules, func(d string) string {
		m := ruleDuration.FindStringSubmatch(d)
		unit := map[string]string{"m": "s", "h": "m"}[m[3]]
		if unit == "" {
			err = fmt.Errorf("rule duration %q: only minutes and hours can be sped up %d times", d, speedup)
			return d
		}
		return m[1] + m[2] + unit
	})
	if out == rules {
		return "", errors.New("no duration in the rules to speed up")
	}
	return out, err
}

func TestFastRules(t *testing.T) {
	got, err := fastRules("expr: a > a offset 5m and rate(b[2h]) > 0\nfor: 10m\nsummary: 10m")
	if want := "expr: a > a offset 5s and rate(b[2m]) > 0\nfor: 10s\nsummary: 10m"; err != nil || got != want {
		t.Errorf("fastRules = %q, %v; want %q", got, err, want)
	}
	if _, err := fastRules("for: 30s"); err == nil {
		t.Error("fastRules took a duration in seconds")
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startPrometheus runs Prometheus on loopback with the shipped rules sped
// up, scraping each target every second under its job name, and returns
// its base URL and its log. The process is killed when the test ends.
func startPrometheus(t *testing.T, bin string, targets map[string]string) (string, *lockedWriter) {
	t.Helper()
	dir := t.TempDir()
	shipped, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := fastRules(string(shipped))
	if err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	rulesPath := filepath.Join(dir, "alerts.yml")
	if err := os.WriteFile(rulesPath, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nrule_files:\n  - %q\nscrape_configs:\n", rulesPath)
	for job, addr := range targets {
		cfg += fmt.Sprintf("  - job_name: %q\n    static_configs:\n      - targets: [%q]\n", job, addr)
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	cmd.WaitDelay = 5 * time.Second
	log := &lockedWriter{w: new(strings.Builder)}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel() // kills the process
		_ = cmd.Wait()
	})
	return "http://" + addr, log
}

// drive sends GET /work to base every period until ctx ends, from clients
// requests at a time: a steady load, bounded in time by ctx.
func drive(ctx context.Context, wg *sync.WaitGroup, base string, period time.Duration, clients int) {
	client := &http.Client{Timeout: 5 * time.Second}
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(period)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/work", nil)
				if err != nil {
					return
				}
				if resp, err := client.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
}

type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

// apiGet reads one answer of Prometheus's HTTP API into data.
func apiGet(base, path string, data any) error {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("GET %s: %s: %v", path, resp.Status, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

func alerts(base string) ([]promAlert, error) {
	var data struct {
		Alerts []promAlert `json:"alerts"`
	}
	err := apiGet(base, "/api/v1/alerts", &data)
	return data.Alerts, err
}

// query returns the values of an instant query, by the job label.
func query(base, q string) (map[string]string, error) {
	var data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	if err := apiGet(base, "/api/v1/query?query="+url.QueryEscape(q), &data); err != nil {
		return nil, err
	}
	out := make(map[string]string)
	for _, r := range data.Result {
		out[r.Metric["job"]] = fmt.Sprint(r.Value[1])
	}
	return out, nil
}

// TestPrometheusAlerts is the end-to-end test: the leak alert fires in a
// real Prometheus for the leaking service and not for its fixed twin,
// under the same load for the same time.
func TestPrometheusAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and two services for about 30 s")
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus is not installed (Debian package prometheus; .ci/run installs it)")
	}
	services := map[string]*service{"leak": startService(t, "leak"), "fixed": startService(t, "fixed")}
	targets := make(map[string]string)
	for job, s := range services {
		targets[job] = s.addr
	}
	base, log := startPrometheus(t, bin, targets)
	// diagnose says what each process said, and whether Prometheus could
	// scrape the services, for a failure message.
	diagnose := func() string {
		up, err := query(base, "up")
		return fmt.Sprintf("up by job: %v %v\nprometheus log:\n%s\nleak service stderr:\n%s\nfixed service stderr:\n%s",
			up, err, log, services["leak"].stderr, services["fixed"].stderr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	// The leaking service gets one request every 200 ms, so one more
	// goroutine in every sample; the fixed one twice that, from two clients.
	drive(ctx, &wg, "http://"+targets["leak"], 200*time.Millisecond, 1)
	drive(ctx, &wg, "http://"+targets["fixed"], 200*time.Millisecond, 2)

	// Where the runtime can prove leaks (this binary and its services are
	// built alike), the proof's alert must fire as well.
	proof := rpprof.Lookup("goroutineleak") != nil
	start := time.Now()
	var fired, proven *promAlert
	var lastErr error
	for fired == nil || (proof && proven == nil) {
		if time.Since(start) > alertWait {
			t.Fatalf("within %v, GoroutineLeakGrowing fired: %v, GoroutineLeakProven fired: %v (runtime proof: %v); last API error: %v\n%s",
				alertWait, fired != nil, proven != nil, proof, lastErr, diagnose())
		}
		time.Sleep(500 * time.Millisecond)
		as, err := alerts(base)
		if err != nil {
			lastErr = err // Prometheus is still starting
			continue
		}
		for i, a := range as {
			name := a.Labels["alertname"]
			if a.Labels["job"] == "fixed" && strings.HasPrefix(name, "GoroutineLeak") {
				t.Fatalf("%s is %s for the fixed service after %v: %v %v", name, a.State, time.Since(start).Round(time.Second), a.Labels, a.Annotations)
			}
			if a.Labels["job"] != "leak" || a.State != "firing" {
				continue
			}
			switch {
			case name == "GoroutineLeakGrowing" && fired == nil:
				fired = &as[i]
				t.Logf("GoroutineLeakGrowing fired after %v: %s", time.Since(start).Round(100*time.Millisecond), fired.Annotations["summary"])
			case name == "GoroutineLeakProven" && proven == nil:
				proven = &as[i]
				t.Logf("GoroutineLeakProven fired after %v: %s", time.Since(start).Round(100*time.Millisecond), proven.Annotations["summary"])
			}
		}
	}

	if got, want := fired.Labels["class"], "send-no-receiver"; got != want {
		t.Errorf("the alert names class %q, want %q", got, want)
	}
	if got, want := fired.Labels["blocked_at"], "github.com/leakhound/leakhound/internal/demo.lookup"; got != want {
		t.Errorf("the alert names blocking function %q, want %q", got, want)
	}
	for _, a := range []string{"summary", "description"} {
		if !strings.Contains(fired.Annotations[a], "send-no-receiver") || !strings.Contains(fired.Annotations[a], "demo.lookup") {
			t.Errorf("the %s does not name the class and the function: %q", a, fired.Annotations[a])
		}
	}
	if proven != nil && (proven.Labels["class"] != "send-no-receiver" || proven.Labels["blocked_at"] != fired.Labels["blocked_at"]) {
		t.Errorf("GoroutineLeakProven names %v, want the growing group", proven.Labels)
	}

	// The fixed service was watched as long and as closely: its samples
	// reached Prometheus, and no group of it in a leak class ever held more
	// goroutines than it has requests in flight.
	samples, err := query(base, "leakhound_samples_total")
	if err != nil {
		t.Fatal(err)
	}
	if samples["fixed"] == "" || samples["fixed"] == "0" {
		t.Fatalf("Prometheus has no samples of the fixed service (%v): its silence proves nothing\n%s", samples, diagnose())
	}
	largest, err := query(base, `max by (job) (max_over_time(leakhound_group_goroutines[5m]))`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(largest["fixed"]); n > 2 {
		t.Errorf("the fixed service had a group of %d goroutines in a leak class; want at most its 2 requests in flight", n)
	}
	if n, _ := strconv.Atoi(largest["leak"]); n < 20 {
		t.Errorf("the leaking service's largest group held %q goroutines; want 20 or more by the time the alert fired", largest["leak"])
	}
	as, err := alerts(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Labels["job"] == "fixed" && strings.HasPrefix(a.Labels["alertname"], "GoroutineLeak") {
			t.Errorf("%s is %s for the fixed service: %v", a.Labels["alertname"], a.State, a.Labels)
		}
	}
}
