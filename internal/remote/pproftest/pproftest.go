// Package pproftest serves net/http/pprof to the tests of what reads it:
// a counting front that can stand for a service in trouble or move to
// another process, and pprof over https.
package pproftest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/http/pprof"
	"net/url"
	rpprof "runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
)

// LeakProfile is the path of the goroutineleak profile.
const LeakProfile = "/debug/pprof/goroutineleak"

// Front is a real loopback server in front of a pprof service that counts
// the requests for each path. A runtime with the goroutineleak profile has
// it answered 404 here, as every runtime before Go 1.27 answers, so that
// a test means the same on every toolchain.
type Front struct {
	URL string
	// Down makes it answer 503 to everything, as a service in trouble.
	Down    atomic.Bool
	backend atomic.Pointer[http.Handler]
	mu      sync.Mutex
	hits    map[string]int
}

// NewFront serves backend behind a Front until the test ends.
func NewFront(t testing.TB, backend http.Handler) *Front {
	f := &Front{hits: map[string]int{}}
	f.Use(backend)
	hasLeakProfile := rpprof.Lookup("goroutineleak") != nil
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hits[r.URL.Path]++
		f.mu.Unlock()
		switch {
		case f.Down.Load():
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		case hasLeakProfile && r.URL.Path == LeakProfile:
			http.NotFound(w, r)
		default:
			(*f.backend.Load()).ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Use puts backend behind the front from the next request on.
func (f *Front) Use(backend http.Handler) { f.backend.Store(&backend) }

// Count is how many requests for path the front had.
func (f *Front) Count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

// ProxyTo forwards every request to the service at base, another process.
func ProxyTo(base *url.URL) http.Handler {
	return &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(base) }}
}

// TLS serves this process's net/http/pprof over https with cert, at TLS
// versions up to maxVersion (0: the newest); with clients set, it wants a
// client certificate that one of them signed.
func TLS(t testing.TB, cert tls.Certificate, clients *x509.CertPool, maxVersion uint16) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: maxVersion}
	if clients != nil {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = clients
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
