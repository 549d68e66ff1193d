package cli

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/remote/pproftest"
	"github.com/leakhound/leakhound/internal/remote/tlstest"
)

// proxyTo is a Front's backend: the service at raw, another process.
func proxyTo(t *testing.T, raw string) http.Handler {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return pproftest.ProxyTo(u)
}

const leakProfilePath = pproftest.LeakProfile

// TestWatchAsksForLeakProfileOnce: a service without the goroutineleak
// profile is asked for it once over many rounds, not each round; a new
// process behind the same URL, or a round it did not answer, has it asked
// again; the watch still says why nothing is proven.
func TestWatchAsksForLeakProfileOnce(t *testing.T) {
	if aslr, err := os.ReadFile("/proc/sys/kernel/randomize_va_space"); err == nil && strings.TrimSpace(string(aslr)) == "0" {
		t.Skip("ASLR is off: two processes of one binary cannot be told apart from their profiles")
	}
	first, firstCmd := startTarget(t, "leak", "127.0.0.1:0")
	p := pproftest.NewFront(t, proxyTo(t, first))
	// The asks expected by the end of each round: one in the first, one
	// when another process answers (round 4), none in the round the
	// service is down (6), one in the round after it (7).
	want := []int{1, 1, 1, 2, 2, 2, 3, 3}
	code, out, errOut := runRounds(t, func(round int) bool {
		if got := p.Count(leakProfilePath); got != want[round-1] {
			t.Errorf("after round %d: asked %d times for the goroutineleak profile, want %d", round, got, want[round-1])
		}
		switch round {
		case 3:
			second, _ := startTarget(t, "leak", "127.0.0.1:0")
			p.Use(proxyTo(t, second))
			firstCmd.Process.Kill()
			firstCmd.Wait()
		case 5:
			p.Down.Store(true)
		case 6:
			p.Down.Store(false)
		}
		return round < len(want)
	}, "watch", "--format", "json", "--interval", "1h", "--timeout", "1m", p.URL)
	var doc struct {
		Targets []struct {
			Samples  int               `json:"samples"`
			Errors   int               `json:"errors"`
			Restarts []json.RawMessage `json:"restarts"`
			NoProof  bool              `json:"no_proof"`
		} `json:"targets"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Targets) != 1 {
		t.Fatalf("exit %d, %v:\n%s\n%s", code, err, out, errOut)
	}
	w := doc.Targets[0]
	if w.Samples != len(want)-1 || w.Errors != 1 || len(w.Restarts) == 0 || !w.NoProof {
		t.Errorf("%d samples, %d errors, %d restarts, no_proof %v; want %d, 1, some, true", w.Samples, w.Errors, len(w.Restarts), w.NoProof, len(want)-1)
	}
	// Each round that answered read the profile and, below --full-below,
	// the full dump; the round down was refused its first request.
	if got, answered := p.Count("/debug/pprof/goroutine"), len(want)-1; got != 2*answered+1 {
		t.Errorf("%d goroutine requests, want %d", got, 2*answered+1)
	}
}

// TestFleetAsksForLeakProfileOnce: in a fleet, each instance is asked for
// the goroutineleak profile once over the watch, and the end says on how
// many instances nothing can be proven.
func TestFleetAsksForLeakProfileOnce(t *testing.T) {
	target, _ := startTarget(t, "leak", "127.0.0.1:0")
	p := pproftest.NewFront(t, proxyTo(t, target))
	addr := strings.TrimPrefix(p.URL, "http://")
	body := fmt.Sprintf(`{"status":"success","data":{"activeTargets":[{"labels":{"job":"api","instance":%q},"scrapeUrl":"http://%s/metrics","health":"up"}]}}`, addr, addr)
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) }))
	defer prom.Close()
	const rounds = 4
	code, out, errOut := runRounds(t, func(round int) bool { return round < rounds },
		"watch", "--prometheus", prom.URL, "--job", "api", "--format", "text", "--color", "never", "--interval", "1h", "--timeout", "1m")
	if code == ExitError {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	if got := p.Count(leakProfilePath); got != 1 {
		t.Errorf("%d rounds asked %d times for the goroutineleak profile, want 1", rounds, got)
	}
	if got := p.Count("/debug/pprof/goroutine"); got != rounds {
		t.Errorf("%d goroutine profile requests, want %d", got, rounds)
	}
	if want := "on 1 instance: " + noProofText; !strings.Contains(out, want) {
		t.Errorf("stdout lacks %q:\n%s", want, out)
	}
}

// httpsPprof serves this process's net/http/pprof over https with a
// certificate that ca signed for 127.0.0.1; with clients set, it wants a
// client certificate that clients signed.
func httpsPprof(t *testing.T, ca, clients *tlstest.CA) *httptest.Server {
	var pool *x509.CertPool
	if clients != nil {
		pool = clients.Pool()
	}
	return pproftest.TLS(t, ca.Server(t, "127.0.0.1").TLS, pool, 0)
}

// TestPprofTLSFlags: analyze and watch read a service over https with a
// private CA and a client certificate; a wrong CA, or a certificate
// without its key, is one line that says what is wrong, naming the
// service, and quoting no key.
func TestPprofTLSFlags(t *testing.T) {
	dir := t.TempDir()
	ca, clients, other := tlstest.NewCA(t, "pprof CA"), tlstest.NewCA(t, "clients CA"), tlstest.NewCA(t, "another CA")
	srv := httpsPprof(t, ca, clients)
	client := clients.Client(t, "leakhound")
	caFile := tlstest.WriteFile(t, dir, "ca.pem", ca.PEM)
	otherFile := tlstest.WriteFile(t, dir, "other.pem", other.PEM)
	certFile := tlstest.WriteFile(t, dir, "client.pem", client.CertPEM)
	keyFile := tlstest.WriteFile(t, dir, "client-key.pem", client.KeyPEM)
	keyLine := strings.Split(string(client.KeyPEM), "\n")[1]
	tlsArgs := []string{"--pprof-ca-file", caFile, "--pprof-cert-file", certFile, "--pprof-key-file", keyFile}

	code, out, errOut := run(t, "", append(append([]string{"analyze", "--format", "json"}, tlsArgs...), srv.URL)...)
	if code == ExitError || !strings.Contains(out, `"input": "`+srv.URL) {
		t.Errorf("analyze with the CA and a client certificate: exit %d\n%s\n%s", code, out, errOut)
	}
	// host:port with a TLS flag is read over https.
	hostPort := strings.TrimPrefix(srv.URL, "https://")
	code, out, errOut = run(t, "", append(append([]string{"analyze", "--format", "json"}, tlsArgs...), hostPort)...)
	if code == ExitError || !strings.Contains(out, `"input": "`+srv.URL) {
		t.Errorf("analyze %s with TLS flags: exit %d\n%.300s\n%s", hostPort, code, out, errOut)
	}
	code, _, errOut = run(t, "", "analyze", "--pprof-ca-file", otherFile, "--pprof-cert-file", certFile, "--pprof-key-file", keyFile, srv.URL)
	if code != ExitError || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, srv.URL+"/debug/pprof/goroutine") ||
		!strings.Contains(errOut, "signed by unknown authority (--pprof-ca-file names the CA that signed it)") || strings.Contains(errOut, keyLine) {
		t.Errorf("analyze with another CA: exit %d, %q; want 2 and one line naming the service and the flag", code, errOut)
	}
	code, _, errOut = run(t, "", "analyze", "--pprof-ca-file", caFile, srv.URL)
	if code != ExitError || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, srv.URL) || !strings.Contains(errOut, "wants a client certificate") {
		t.Errorf("analyze without a client certificate: exit %d, %q", code, errOut)
	}
	code, _, errOut = run(t, "", "watch", "--pprof-cert-file", certFile, srv.URL)
	if code != ExitError || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "--pprof-cert-file and --pprof-key-file go together") {
		t.Errorf("watch with a certificate and no key: exit %d, %q", code, errOut)
	}

	var doc watchDoc
	code, doc = watchJSON(t, func(round int) bool { return round < 2 }, append(tlsArgs, srv.URL)...)
	if code == ExitError || len(doc.Targets) != 1 || doc.Targets[0].Samples != 2 || doc.Targets[0].Errors != 0 {
		t.Errorf("watch over https: exit %d, %+v", code, doc.Targets)
	}

	// A fleet whose instances Prometheus scrapes over https.
	addr := strings.TrimPrefix(srv.URL, "https://")
	body := fmt.Sprintf(`{"status":"success","data":{"activeTargets":[{"labels":{"job":"api","instance":%q},"scrapeUrl":"https://%s/metrics","health":"up"}]}}`, addr, addr)
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) }))
	defer prom.Close()
	code, doc = watchJSON(t, func(round int) bool { return round < 2 }, append(tlsArgs, "--prometheus", prom.URL, "--job", "api")...)
	if code == ExitError || len(doc.Targets) != 1 || doc.Targets[0].URL != srv.URL || doc.Targets[0].Samples != 2 {
		t.Errorf("fleet over https: exit %d, %+v", code, doc.Targets)
	}
	code, doc = watchJSON(t, func(round int) bool { return false }, "--prometheus", prom.URL, "--job", "api", "--pprof-ca-file", otherFile)
	if code != ExitError || len(doc.Targets) != 1 || !strings.Contains(doc.Targets[0].LastErr, "cannot read "+srv.URL+"/debug/pprof/goroutine") ||
		!strings.Contains(doc.Targets[0].LastErr, "--pprof-ca-file") {
		t.Errorf("fleet with another CA: exit %d, %+v", code, doc.Targets)
	}
}

// TestPprofAuthFlags: a fleet whose services want a bearer token is read
// with --pprof-token-file, and analyze with --pprof-user; a wrong secret
// is one line naming the service and the flags, quoting no secret; a
// missing file is told before any request.
func TestPprofAuthFlags(t *testing.T) {
	dir := t.TempDir()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, basic := r.BasicAuth()
		if r.Header.Get("Authorization") != "Bearer fleet-token" && !(basic && u == "ops" && p == "ops-pass") {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	write := func(name, s string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	tok, wrong, pw := write("token", "fleet-token\n"), write("wrong", "not-the-token"), write("pw", "ops-pass")

	addr := strings.TrimPrefix(srv.URL, "http://")
	body := fmt.Sprintf(`{"status":"success","data":{"activeTargets":[{"labels":{"job":"api","instance":%q},"scrapeUrl":"http://%s/metrics","health":"up"}]}}`, addr, addr)
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) }))
	defer prom.Close()
	code, doc := watchJSON(t, func(round int) bool { return round < 2 }, "--prometheus", prom.URL, "--job", "api", "--pprof-token-file", tok)
	if code == ExitError || len(doc.Targets) != 1 || doc.Targets[0].Samples != 2 || doc.Targets[0].Errors != 0 {
		t.Errorf("fleet with a token: exit %d, %+v", code, doc.Targets)
	}
	code, doc = watchJSON(t, func(round int) bool { return false }, "--prometheus", prom.URL, "--job", "api", "--pprof-token-file", wrong)
	if code != ExitError || len(doc.Targets) != 1 || !strings.Contains(doc.Targets[0].LastErr, "401 Unauthorized") ||
		!strings.Contains(doc.Targets[0].LastErr, "--pprof-token-file") || strings.Contains(doc.Targets[0].LastErr, "not-the-token") {
		t.Errorf("fleet with a wrong token: exit %d, %+v", code, doc.Targets)
	}

	code, out, errOut := run(t, "", "analyze", "--format", "json", "--pprof-user", "ops", "--pprof-password-file", pw, srv.URL)
	if code == ExitError || !strings.Contains(out, `"input": "`+srv.URL) {
		t.Errorf("analyze with a user: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = run(t, "", "analyze", "--pprof-token-file", filepath.Join(dir, "none"), srv.URL)
	if code != ExitError || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "--pprof-token-file") {
		t.Errorf("analyze with a missing token file: exit %d, %q", code, errOut)
	}
	code, _, errOut = run(t, "", "analyze", "--pprof-user", "ops", "--pprof-token-file", tok, srv.URL)
	if code != ExitError || !strings.Contains(errOut, "at once") {
		t.Errorf("analyze with a user and a token: exit %d, %q", code, errOut)
	}
}
