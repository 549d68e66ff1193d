package remote

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"net/url"
	"runtime"
	rpprof "runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/stack"
)

// pprofServer serves this process's net/http/pprof, as a service would.
func pprofServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, target string, opt Options) (*Result, int, error) {
	t.Helper()
	n := 0
	res, err := Fetch(context.Background(), target, opt, func(g *stack.Goroutine) { n += max(g.Count, 1) })
	return res, n, err
}

// withUser puts credentials into a URL.
func withUser(raw, user, pass string) string {
	u, _ := url.Parse(raw)
	u.User = url.UserPassword(user, pass)
	return u.String()
}

// TestFetchCredentials: the credentials are sent, and appear nowhere in
// what Fetch returns or says.
func TestFetchCredentials(t *testing.T) {
	srv := pprofServer(t)
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ops" || p != "s3cret" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer auth.Close()
	res, n, err := fetch(t, withUser(auth.URL, "ops", "s3cret"), Options{Full: FullAlways})
	if err != nil || n == 0 {
		t.Fatalf("%d goroutines, %v", n, err)
	}
	for _, u := range res.URLs {
		if strings.Contains(u, "s3cret") || strings.Contains(u, "ops@") {
			t.Errorf("URL with credentials in the result: %s", u)
		}
	}
	// A wrong password: the 401 is an error that names the URL, bare.
	_, _, err = fetch(t, withUser(auth.URL, "ops", "wrong-pass"), Options{})
	if err == nil || strings.Contains(err.Error(), "wrong-pass") || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "check the URL's user:password@") {
		t.Errorf("error = %v", err)
	}
	// A dead port: the dial error quotes no credentials either.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := dead.Addr().String()
	dead.Close()
	_, _, err = fetch(t, "http://ops:s3cret@"+addr+"/debug/pprof/goroutine?debug=1", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %v", err)
	}
	_, _, err = fetch(t, "ftp://ops:s3cret@"+addr, Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:6060":                         "http://127.0.0.1:6060",
		"http://u:p@127.0.0.1:6060/debug/pprof/":        "http://127.0.0.1:6060/debug/pprof/",
		"https://u@h/x?y=a@b":                           "https://h/x?y=a@b",
		"http://a:b@c@host:1":                           "http://host:1",
		`Get "http://u:p@h:1/x": EOF, then https://q@r`: `Get "http://h:1/x": EOF, then https://r`,
		"mail a@b": "mail a@b",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFetchRedirects: redirects within the target's host are followed, a
// few at most; one to another host is an error that says so.
func TestFetchRedirects(t *testing.T) {
	srv := pprofServer(t)
	other := pprofServer(t) // another port is another host
	var self string
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same/debug/pprof/goroutine":
			http.Redirect(w, r, self+"/debug/pprof/goroutine?"+r.URL.RawQuery, http.StatusFound)
		case "/away/debug/pprof/goroutine":
			http.Redirect(w, r, withUser(other.URL, "x", "leaked-pass")+"/debug/pprof/goroutine?"+r.URL.RawQuery, http.StatusFound)
		case "/loop/debug/pprof/goroutine":
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		default:
			srv.Config.Handler.ServeHTTP(w, r)
		}
	}))
	defer redir.Close()
	self = redir.URL
	if _, n, err := fetch(t, redir.URL+"/same/debug/pprof/goroutine?debug=2", Options{}); err != nil || n == 0 {
		t.Errorf("same host: %d goroutines, %v", n, err)
	}
	_, _, err := fetch(t, redir.URL+"/away/debug/pprof/goroutine?debug=2", Options{})
	if err == nil || !strings.Contains(err.Error(), "another host") || strings.Contains(err.Error(), "leaked-pass") ||
		!strings.Contains(err.Error(), strings.TrimPrefix(other.URL, "http://")) {
		t.Errorf("other host: %v", err)
	}
	if _, _, err := fetch(t, redir.URL+"/loop/debug/pprof/goroutine?debug=2", Options{}); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: %v", err)
	}
}

// cutShort answers with a real dump whose body stops halfway, either
// below a declared Content-Length or in the middle of a chunked body.
func cutShort(t *testing.T, chunked bool) *httptest.Server {
	var dump bytes.Buffer
	rpprof.Lookup("goroutine").WriteTo(&dump, 2)
	half := dump.Bytes()[:dump.Len()/2]
	// End the half on a goroutine boundary, so that what arrived parses
	// as a smaller, complete dump: only the transport can tell.
	if i := bytes.LastIndex(half, []byte("\n\ngoroutine ")); i > 0 {
		half = half[:i+2]
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		if chunked {
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(half), half)
		} else {
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", dump.Len(), half)
		}
		buf.Flush()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchCutShort(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		srv := cutShort(t, chunked)
		_, _, err := fetch(t, srv.URL+"/debug/pprof/goroutine?debug=2", Options{})
		if err == nil || !strings.Contains(err.Error(), "cut short") {
			t.Errorf("chunked=%v: %v, want an error saying the response was cut short", chunked, err)
		}
	}
}

// TestFetchErrorBody: a failing service's body line is quoted, so no
// escape sequence or newline gets through.
func TestFetchErrorBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("boom \x1b[2J\x1b]0;owned\x07 done\r\nsecond line"))
	}))
	defer srv.Close()
	_, _, err := fetch(t, srv.URL, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\x1b\x07\r\n") || !strings.Contains(msg, `500 Internal Server Error: "boom \x1b[2J\x1b]0;owned\a done"`) {
		t.Errorf("error = %q", msg)
	}
}

// TestFetchNoLeakProfile: a service without the goroutineleak profile is
// read without it, and the result says so; asking for that profile by name
// gets the hint of what it needs.
func TestFetchNoLeakProfile(t *testing.T) {
	if rpprof.Lookup("goroutineleak") != nil {
		t.Skip("this runtime has the goroutineleak profile")
	}
	srv := pprofServer(t)
	for _, full := range []Full{FullAlways, FullNever} {
		res, n, err := fetch(t, srv.URL, Options{Full: full})
		if err != nil || n == 0 || res.Proof || !res.NoProof {
			t.Errorf("full=%v: %d goroutines, %+v, %v", full, n, res, err)
		}
	}
	_, _, err := fetch(t, srv.URL+"/debug/pprof/goroutineleak?debug=1", Options{})
	if err == nil || !strings.Contains(err.Error(), "needs Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile") {
		t.Errorf("error = %v", err)
	}
}

// TestFetchCounts: a profile's goroutines are counted as goroutines, its
// records as stacks.
func TestFetchCounts(t *testing.T) {
	release := make(chan struct{})
	for range 20 {
		go func() { <-release }()
	}
	defer close(release)
	srv := pprofServer(t)
	for _, u := range []string{srv.URL + "/debug/pprof/goroutine?debug=1", srv.URL + "/debug/pprof/goroutine?debug=0"} {
		res, n, err := fetch(t, u, Options{})
		if err != nil || res.Count != n || n < 20 || res.Stacks == 0 || res.Stacks >= res.Count {
			t.Errorf("%s: %d goroutines, %+v, %v", u, n, res, err)
		}
	}
	res, n, err := fetch(t, srv.URL, Options{Full: FullNever})
	if err != nil || res.Count != n || res.Stacks == 0 || res.Stacks >= n {
		t.Errorf("base URL: %d goroutines, %+v, %v", n, res, err)
	}
}

// TestFetchNotifyProgress: --full always says what it costs before the
// dump, and a long dump reports its progress.
func TestFetchNotifyProgress(t *testing.T) {
	release := make(chan struct{})
	for range progressEvery + 100 {
		go func() { <-release }()
	}
	defer close(release)
	srv := pprofServer(t)
	var notes []string
	var calls []int
	_, n, err := fetch(t, srv.URL, Options{Full: FullAlways, Timeout: time.Minute,
		Notify: func(s string) { notes = append(notes, s) }, Progress: func(read, total int) { calls = append(calls, read) }})
	if err != nil || n < progressEvery {
		t.Fatalf("%d goroutines, %v", n, err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "stops the world") {
		t.Errorf("notes %q", notes)
	}
	if len(calls) == 0 || calls[0] != progressEvery {
		t.Errorf("progress calls %v", calls)
	}
	if d := StopEstimate(100000); d != 7*time.Second {
		t.Errorf("StopEstimate(100000) = %v", d)
	}
	runtime.KeepAlive(release)
}
