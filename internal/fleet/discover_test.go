package fleet

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// promAPI serves body at /api/v1/targets on loopback, as Prometheus does,
// and records the Authorization header of the last request.
func promAPI(t *testing.T, body []byte) (*httptest.Server, *atomic.Value) {
	t.Helper()
	auth := new(atomic.Value)
	auth.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		if r.URL.Path != "/api/v1/targets" || r.URL.Query().Get("state") != "active" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, auth
}

func testdata(t testing.TB) []byte {
	b, err := os.ReadFile("testdata/targets.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTargets(t *testing.T) {
	srv, _ := promAPI(t, testdata(t))
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string
		warn string
	}{
		{"job", Config{Jobs: []string{"api"}}, []string{
			"http://10.0.0.1:8080",
			"http://10.0.0.2:6060",       // the label's port
			"http://10.0.0.4:6060/admin", // the label's URL
			"https://10.0.0.3:7070",      // the label's host:port, the scrape's scheme
		}, `2 matching targets left out, as they name no pprof address leakhound can use; the first: label leakhound_pprof="not a port"`},
		{"pprof port, label wins", Config{Jobs: []string{"api"}, PprofPort: 6061}, []string{
			"http://10.0.0.1:6061", "http://10.0.0.2:6060", "http://10.0.0.4:6060/admin", "https://10.0.0.3:7070",
		}, "left out"},
		{"one process in two jobs is watched once", Config{Jobs: []string{"api", "api-copy"}, PprofLabel: "none"}, []string{
			"http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.4:8080", "http://10.0.0.5:8080", "http://10.0.0.6:8080", "https://10.0.0.3:8080",
		}, ""},
		{"match", Config{Match: `{env=~"pro.*", job!="api"}`}, []string{"http://10.0.0.9:9100"}, ""},
		{"match without braces", Config{Match: `job='node'`}, []string{"http://10.0.0.9:9100"}, ""},
		{"job and match", Config{Jobs: []string{"api"}, Match: `instance="10.0.0.2:8080"`}, []string{"http://10.0.0.2:6060"}, ""},
		{"max targets", Config{Jobs: []string{"node", "api-copy"}, MaxTargets: 1}, []string{"http://10.0.0.1:8080"}, "more than 1 targets match; watching the first 1 by URL (raise --max-targets)"},
		{"another host", Config{Jobs: []string{"api"}, Match: `instance="10.0.0.6:8080"`}, nil, `label leakhound_pprof names host "169.254.169.254", not the target's own "10.0.0.6"`},
		{"max targets, trimmed as read", Config{Jobs: []string{"api"}, PprofLabel: "none", MaxTargets: 2}, []string{"http://10.0.0.1:8080", "http://10.0.0.2:8080"}, "more than 2 targets match"},
		{"none", Config{Jobs: []string{"nothing"}}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Prometheus = srv.URL
			d, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			ts, warn, err := d.Targets(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range ts {
				got = append(got, x.URL)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("targets %q, want %q", got, tc.want)
			}
			if w := strings.Join(warn, "\n"); (tc.warn == "") != (w == "") || !strings.Contains(w, tc.warn) {
				t.Errorf("warnings %q, want %q", w, tc.warn)
			}
		})
	}
	d, _ := New(Config{Prometheus: srv.URL, Jobs: []string{"api"}})
	ts, _, _ := d.Targets(t.Context())
	if ts[0].Job != "api" || ts[0].Instance != "10.0.0.1:8080" || ts[0].Health != "up" || ts[1].Health != "down" {
		t.Errorf("first targets %+v, %+v: want job, instance and health from Prometheus", ts[0], ts[1])
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Prometheus: "prometheus:9090", Jobs: []string{"a"}}, "not an http(s) URL"},
		{Config{Prometheus: "http://u:secret@p:9090"}, "needs --job NAME or --match SELECTOR"},
		{Config{Prometheus: "http://p:9090", Match: `{job="a"`}, "no closing brace"},
		{Config{Prometheus: "http://p:9090", Match: `job=~"("`}, "regexp of job"},
		{Config{Prometheus: "http://p:9090", Match: `job="a" env="b"`}, "want a comma"},
		{Config{Prometheus: "http://p:9090", Match: `9job="a"`}, "want a label name"},
		{Config{Prometheus: "http://p:9090", Match: `job=a`}, "want a quoted string"},
		{Config{Prometheus: "http://p:9090", Match: `job="a`}, "unterminated"},
		{Config{Prometheus: "http://p:9090", Jobs: []string{"a"}, PprofPort: 70000}, "not a port"},
		{Config{Prometheus: "http://p:9090", Jobs: []string{"a"}, CAFile: "/nonexistent/ca.pem"}, "--prometheus-ca-file"},
		{Config{Prometheus: "http://u:secret@p:9090", Jobs: []string{"a"}, BearerTokenFile: "/t"}, "credentials in the URL and in --prometheus-* flags at once"},
		{Config{Prometheus: "http://p:9090", Jobs: []string{"a"}, BasicPasswordFile: "/t"}, "needs --prometheus-user"},
		{Config{Prometheus: "http://p:9090", Jobs: []string{"a"}, BasicUser: "u", BearerTokenFile: "/t"}, "--prometheus-user and --prometheus-token-file at once"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", tc.cfg, err, tc.want)
		}
		// The flag is named once: no "--prometheus: --prometheus-user".
		if err != nil && (strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "--prometheus: --prometheus")) {
			t.Errorf("New(%+v) = %q: credentials, a newline or a flag named twice in the error", tc.cfg, err)
		}
	}
}

func TestAuth(t *testing.T) {
	srv, auth := promAPI(t, testdata(t))
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("s3cret-token\n"), 0o600)
	d, err := New(Config{Prometheus: srv.URL, Jobs: []string{"api"}, BearerTokenFile: token})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Targets(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := auth.Load(); got != "Bearer s3cret-token" {
		t.Errorf("Authorization %q, want the token file's bearer token", got)
	}
	// A rotated token is read at the next request.
	os.WriteFile(token, []byte("rotated"), 0o600)
	d.Targets(t.Context())
	if got := auth.Load(); got != "Bearer rotated" {
		t.Errorf("Authorization %q after rotation, want the new token", got)
	}

	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("hunter2"), 0o600)
	d, _ = New(Config{Prometheus: srv.URL, Jobs: []string{"api"}, BasicUser: "ops", BasicPasswordFile: pw})
	d.Targets(t.Context())
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth("ops", "hunter2")
	if got := auth.Load(); got != req.Header.Get("Authorization") {
		t.Errorf("Authorization %q, want basic auth of ops", got)
	}
	d, _ = New(Config{Prometheus: strings.Replace(srv.URL, "http://", "http://ops:hunter2@", 1), Jobs: []string{"api"}})
	d.Targets(t.Context())
	if got := auth.Load(); got != req.Header.Get("Authorization") {
		t.Errorf("Authorization %q from the URL's credentials, want basic auth of ops", got)
	}
}

func TestAuthRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized\nsecond line", http.StatusUnauthorized)
	}))
	defer srv.Close()
	d, _ := New(Config{Prometheus: strings.Replace(srv.URL, "http://", "http://ops:hunter2@", 1), Jobs: []string{"api"}})
	_, _, err := d.Targets(t.Context())
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized (check") || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "\n") {
		t.Errorf("refused: %v; want one line with 401 and a hint, without the password", err)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(testdata(t))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	srv.StartTLS()
	defer srv.Close()
	d, _ := New(Config{Prometheus: srv.URL, Jobs: []string{"api"}})
	if _, _, err := d.Targets(t.Context()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v, want a certificate error", err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	d, err := New(Config{Prometheus: srv.URL, Jobs: []string{"api"}, CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if ts, _, err := d.Targets(t.Context()); err != nil || len(ts) != 4 {
		t.Errorf("with the CA: %d targets, %v; want 4", len(ts), err)
	}
}

func TestPrometheusDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d, _ := New(Config{Prometheus: "http://ops:hunter2@" + addr, Jobs: []string{"api"}})
	_, _, err = d.Targets(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Prometheus http://"+addr+"/api/v1/targets?state=active is unreachable") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("down: %v", err)
	}
}

func TestBadAnswers(t *testing.T) {
	big := append([]byte(`{"status":"success","data":{"activeTargets":[`), bytes.Repeat([]byte(`{"labels":{"job":"api"}},`), 1000)...)
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"html", []byte("<html>"), "not the JSON of /api/v1/targets"},
		{"error", []byte(`{"status":"error","error":"bad\nthing"}`), `says "error": "bad"`},
		{"large", big, "larger than 1000 bytes"},
		{"cut", []byte(`{"status":"success","data":{"activeTargets":[{"labels"`), "not the JSON"},
	} {
		srv, _ := promAPI(t, tc.body)
		d, _ := New(Config{Prometheus: srv.URL, Jobs: []string{"api"}, MaxBytes: 1000})
		_, _, err := d.Targets(t.Context())
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", tc.name, err, tc.want)
		}
	}
}

func FuzzParseTargets(f *testing.F) {
	f.Add(testdata(f))
	f.Add([]byte(`{"status":"success","data":{"activeTargets":[{"labels":{"job":"api","leakhound_pprof":"[::1]:6060"},"scrapeUrl":"http://[::1]:8080/m"}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := New(Config{Prometheus: "http://127.0.0.1:9090", Match: `job=~".*"`, MaxTargets: 2})
		if err != nil {
			t.Fatal(err)
		}
		c := d.chooser()
		if err := ParseTargets(bytes.NewReader(b), 1<<20, c.add); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of two lines: %q", err)
			}
			return
		}
		ts, _ := c.done()
		if len(ts) > 2 {
			t.Fatalf("%d targets past MaxTargets 2", len(ts))
		}
		for _, x := range ts {
			if !strings.HasPrefix(x.URL, "http://") && !strings.HasPrefix(x.URL, "https://") || strings.Contains(x.URL, "@") {
				t.Fatalf("pprof URL %q", x.URL)
			}
		}
	})
}

func FuzzParseSelector(f *testing.F) {
	b, err := os.ReadFile("testdata/selectors.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if _, err := parseSelector(s); err != nil {
			f.Errorf("seed %q: %v", s, err)
		}
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := parseSelector(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Fatalf("error of two lines: %q", err)
			}
			return
		}
		sel.matches(map[string]string{"job": "api"})
	})
}
