// Package demo is the small HTTP service behind `leakhound demo`: each
// /leak/ endpoint leaves a goroutine blocked in one of leakhound's classes
// on every request, beside a /fixed/ twin that does the same work without
// leaking, and net/http/pprof is mounted on the service's own mux so that
// leakhound can read it like any service.
//
// The service watches itself with leakhound's monitor, whose page is at
// /debug/leaks/.
//
// Leaked goroutines stay blocked for the life of the process: Close stops
// serving but cannot release them, which is the point of the demo. Only the
// readers of /leak/io return, with EOF, when Close shuts the silent backend
// they wait on.
package demo

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/pprof"
	rpprof "runtime/pprof"
	"sync"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/monitor"
)

// Endpoint is one path of the service.
type Endpoint struct {
	Path string // "/leak/timeout"
	Twin string // the fixed twin of a leak, the leaky twin of a fix
	Leak bool

	// Class, Func and Wait describe the goroutines the leaky twin leaves
	// behind: the class leakhound should report, the function they block
	// in and the wait reason of their header. A fixed twin has the same
	// values and leaves none.
	Class classify.Class
	Func  string
	Wait  string
	// Handler is the function that starts the goroutines, as the "created
	// by" line of a dump names it.
	Handler string

	Doc string // the leak, or the fix, in a sentence or two

	h http.HandlerFunc
}

// Service is the demo service. Its methods are safe for concurrent use.
type Service struct {
	endpoints []Endpoint
	mux       *http.ServeMux
	backend   silentBackend
	client    *http.Client
	monitor   *monitor.Monitor

	mu  sync.Mutex
	srv *http.Server
	url string
}

const pkg = "github.com/leakhound/leakhound/internal/demo."

// New returns a service that is not serving yet; it is an http.Handler, and
// Start serves it.
func New() *Service {
	s := &Service{
		// One connection per request, as from many clients: each leak's
		// goroutines then come from several requests' goroutines, all of
		// them gone once the request is answered, as on a real service.
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
		// A short interval, so that the page follows a person's requests.
		monitor: monitor.New(monitor.Config{Interval: MonitorInterval}),
	}
	type pair struct {
		name, fn, wait string
		class          classify.Class
		leak, fixed    http.HandlerFunc
		leakName       string
		fixedName      string
		leakDoc        string
		fixDoc         string
	}
	pairs := []pair{
		{"timeout", "lookup", "chan send", classify.SendNoReceiver, leakTimeout, fixedTimeout, "leakTimeout", "fixedTimeout",
			"The handler waits for lookup's result through a select with time.After and returns on the timeout; the result channel has no buffer, so lookup blocks forever on its send (the article's pattern).",
			"make(chan string, 1): the send always completes, and the goroutine ends even when nobody reads the result."},
		{"deadline", "query", "chan send", classify.SendNoReceiver, leakDeadline, fixedDeadline, "leakDeadline", "fixedDeadline",
			"The same leak with context.WithTimeout: the handler returns on ctx.Done() and query's send on the unbuffered channel has no receiver.",
			"A buffer of one on the result channel, as the article's version has."},
		{"context", "watch", "chan receive", classify.ContextNeverDone, leakContext, fixedContext, "leakContext", "fixedContext",
			"watch waits on ctx.Done() of a context.WithCancel(context.Background()) whose cancel is kept in a session nobody closes.",
			"Derive the context from the request's and defer cancel(), so Done closes when the handler returns."},
		{"nil-channel", "(*job).run", "chan send (nil chan)", classify.NilChannelSend, leakNilChannel, fixedNilChannel, "leakNilChannel", "fixedNilChannel",
			"The job's done channel is a struct field that was never made; a send on a nil channel blocks forever.",
			"Make the channel (with room for the one report) before starting the goroutine."},
		{"no-producer", "notify", "chan receive", classify.ReceiveNoSender, leakNoProducer, fixedNoProducer, "leakNoProducer", "fixedNoProducer",
			"The handler starts a consumer, then returns on an error before producing: nothing will send to or close the channel.",
			"defer close(events) in the producer, so the consumer is released on every path."},
		{"range", "tally", "chan receive", classify.RangeNeverClosed, leakRange, fixedRange, "leakRange", "fixedRange",
			"The handler sends its items and returns without close, so tally's for-range over the channel never ends.",
			"close(items) once the last item is sent."},
		{"select", "poll", "select", classify.SelectForever, leakSelect, fixedSelect, "leakSelect", "fixedSelect",
			"poll selects on a jobs and a quit channel that nothing will ever send on or close.",
			"defer close(quit), giving the select a way out."},
		{"mutex", "(*account).audit", "sync.Mutex.Lock", classify.MutexDeadlock, leakMutex, fixedMutex, "leakMutex", "fixedMutex",
			"withdraw returns on insufficient funds without Unlock, so the audit goroutine blocks in Lock forever.",
			"defer a.mu.Unlock() right after Lock."},
		{"waitgroup", "collect", "sync.WaitGroup.Wait", classify.WaitGroupNeverDone, leakWaitGroup, fixedWaitGroup, "leakWaitGroup", "fixedWaitGroup",
			"One of three workers returns on its error path without Done, so the collector waits in WaitGroup.Wait forever.",
			"defer wg.Done() first thing in each worker."},
		{"cond", "(*mailbox).take", "sync.Cond.Wait", classify.CondNeverSignalled, leakCond, fixedCond, "leakCond", "fixedCond",
			"The consumer waits on a sync.Cond; the handler returns on an error without putting a message or signalling.",
			"defer m.close(), which sets closed and broadcasts, and wait in a loop that checks it."},
		{"io", "readReply", "IO wait", classify.IOWithoutDeadline, s.backend.leakIO, s.backend.fixedIO, "(*silentBackend).leakIO", "(*silentBackend).fixedIO",
			"The reader waits for the answer of a loopback backend that never writes, with no read deadline.",
			"conn.SetReadDeadline before reading, so the reader returns with a timeout error."},
	}
	s.mux = http.NewServeMux()
	for _, p := range pairs {
		leak := Endpoint{Path: "/leak/" + p.name, Twin: "/fixed/" + p.name, Leak: true,
			Class: p.class, Func: pkg + p.fn, Wait: p.wait, Handler: pkg + p.leakName, Doc: p.leakDoc, h: p.leak}
		fixed := leak
		fixed.Path, fixed.Twin, fixed.Leak = leak.Twin, leak.Path, false
		fixed.Handler, fixed.Doc, fixed.h = pkg+p.fixedName, p.fixDoc, p.fixed
		s.endpoints = append(s.endpoints, leak, fixed)
	}
	for _, e := range s.endpoints {
		s.mux.HandleFunc("GET "+e.Path, e.h)
	}
	s.mux.HandleFunc("GET /{$}", s.index)
	mountPprof(s.mux)
	s.mux.Handle("/debug/leaks/", s.monitor.Handler())
	return s
}

// MonitorInterval is how often the demo's monitor samples the service.
const MonitorInterval = 5 * time.Second

// mountPprof puts net/http/pprof on mux, with the goroutineleak profile when
// the runtime has it (Go 1.27, or 1.26 with GOEXPERIMENT=goroutineleakprofile).
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	if hasLeakProfile() {
		mux.Handle("/debug/pprof/goroutineleak", pprof.Handler("goroutineleak"))
	}
}

func hasLeakProfile() bool { return rpprof.Lookup("goroutineleak") != nil }

// Start serves a new service on addr, which must be a loopback address
// ("" means 127.0.0.1:0, a free port): the service leaks on request and
// exposes pprof, so it never listens beyond the machine.
func Start(addr string) (*Service, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo: %v", err)
	}
	s := New()
	if err := s.monitor.Start(context.Background()); err != nil {
		ln.Close()
		return nil, fmt.Errorf("demo: %v", err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.srv, s.url = srv, "http://"+ln.Addr().String()
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return s, nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("demo: address %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("demo: address %q is not loopback: the demo leaks goroutines on request and serves pprof, so it listens on 127.0.0.1 or ::1 only", addr)
}

// URL returns the base URL the service serves on, or "" before Start.
func (s *Service) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Endpoints lists the leaky and fixed endpoints, each leak followed by its twin.
func (s *Service) Endpoints() []Endpoint { return append([]Endpoint(nil), s.endpoints...) }

// ServeHTTP serves the index, the endpoints, /debug/pprof/ and /debug/leaks/.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops serving and monitoring and closes the silent backend.
// Goroutines leaked by the endpoints stay blocked; only /leak/io's readers
// return.
func (s *Service) Close() error {
	s.monitor.Stop()
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	var errs []error
	if srv != nil {
		errs = append(errs, srv.Close())
	}
	s.client.CloseIdleConnections()
	errs = append(errs, s.backend.close())
	return errors.Join(errs...)
}

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<title>leakhound demo</title>
<h1>leakhound demo</h1>
<p>Each /leak/ endpoint leaves one goroutine blocked per request; its /fixed/ twin does the same work and leaves none.
Request a few, then look at <a href="/debug/pprof/goroutine?debug=2">/debug/pprof/goroutine?debug=2</a>
{{- if .Leak}} or <a href="/debug/pprof/goroutineleak?debug=2">/debug/pprof/goroutineleak?debug=2</a>{{end}},
or run <code>leakhound analyze URL</code> on this service.</p>
<table>
<tr><th>endpoint</th><th>class</th><th>what it does</th></tr>
{{range .Endpoints}}<tr><td><a href="{{.Path}}">{{.Path}}</a></td><td>{{.Class}}</td><td>{{.Doc}}</td></tr>
{{end}}</table>
<p><a href="/debug/leaks/">/debug/leaks/</a>: leakhound's monitor inside this service, sampling every {{.Interval}}: the groups that grow, with their classes and fixes
(<a href="/debug/leaks/?format=json">JSON</a>).</p>
<p><a href="/debug/pprof/">/debug/pprof/</a></p>
`))

func (s *Service) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	data := struct {
		Endpoints []Endpoint
		Leak      bool
		Interval  time.Duration
	}{s.endpoints, hasLeakProfile(), MonitorInterval}
	if err := indexPage.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
