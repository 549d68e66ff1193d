package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"
)

// Side by side with goleak v1.3.0: for each situation, both tools look at
// the same goroutines (each ignoring those that existed before it began)
// and must reach the same verdict. leakhound with IgnoreIdle is checked
// too, for the situations its idle list knows.

// situation starts goroutines and returns the function that ends them.
type situation struct {
	name  string
	start func(t *testing.T) (stop func())
	// goleak's and leakhound's options, the same ignore in each tool.
	goleakOpts    []goleak.Option
	leakhoundOpts []leakhound.Option
	leak          bool // the verdict both must reach
	idle          bool // IgnoreIdle hides it
}

// waitGoroutine waits until a goroutine whose stack holds frame exists.
func waitGoroutine(t *testing.T, frame string) { waitParked(t, "", frame) }

// waitParked waits until a goroutine whose stack holds frame is parked in
// state ("" for any state).
func waitParked(t *testing.T, state, frame string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, frame) && strings.Contains(g, " ["+state) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine in %s after 30s", frame)
		}
		time.Sleep(time.Millisecond)
	}
}

func testServer(t *testing.T) func() {
	srv := httptest.NewServer(http.NotFoundHandler())
	waitGoroutine(t, "net/http.(*Server).Serve(")
	return srv.Close
}

// keepAlive leaves a client's idle keep-alive connection (its read and
// write loops) and the server's side of it; the server itself is started
// before the check's baseline.
func keepAlive(t *testing.T) (baseline func(), stop func()) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	waitGoroutine(t, "net/http.(*Server).Serve(")
	tr := &http.Transport{}
	client := &http.Client{Transport: tr}
	return func() {
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			waitGoroutine(t, "net/http.(*persistConn).readLoop(")
		}, func() {
			tr.CloseIdleConnections()
			srv.Close()
		}
}

// connector is a database/sql connector with no database: sql.OpenDB
// starts its connection opener without connecting.
type connector struct{}

func (connector) Connect(context.Context) (driver.Conn, error) { return nil, errors.New("no database") }
func (connector) Driver() driver.Driver                        { return nil }

func sqlDB(t *testing.T) func() {
	db := sql.OpenDB(connector{})
	waitGoroutine(t, "database/sql.(*DB).connectionOpener(")
	return func() { db.Close() }
}

func accept(t *testing.T) func() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ln.Accept()
	}()
	waitParked(t, "IO wait", "net.(*TCPListener).Accept(")
	return func() { ln.Close(); <-done }
}

func notifyContext(t *testing.T) func() {
	_, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	waitGoroutine(t, "os/signal.NotifyContext.func1(")
	return stop
}

func batchSpanProcessor(t *testing.T) func() {
	bsp := sdktrace.NewBatchSpanProcessor(tracetest.NewInMemoryExporter())
	waitGoroutine(t, "go.opentelemetry.io/otel/sdk/trace.(*batchSpanProcessor).processQueue(")
	return func() { bsp.Shutdown(context.Background()) }
}

// sleeper sleeps in a loop: its first frame is time.Sleep but for the
// moments it is awake.
func sleeper(t *testing.T) func() {
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			time.Sleep(20 * time.Millisecond)
		}
	}()
	waitParked(t, "sleep", "bench.sleeper.func1(")
	return func() { stop.Store(true); <-done }
}

// condWaiter waits on a sync.Cond: its first frame is
// sync.runtime_notifyListWait.
func condWaiter(t *testing.T) func() {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	done, exited := false, make(chan struct{})
	go func() {
		defer close(exited)
		mu.Lock()
		for !done {
			c.Wait()
		}
		mu.Unlock()
	}()
	waitParked(t, "sync.Cond.Wait", "bench.condWaiter.func1(")
	return func() {
		mu.Lock()
		done = true
		c.Broadcast()
		mu.Unlock()
		<-exited
	}
}

// reader blocks reading a loopback connection: its first frame is
// internal/poll.runtime_pollWait.
func reader(t *testing.T) func() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c1, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c1.Read(make([]byte, 1))
	}()
	waitParked(t, "IO wait", "bench.reader.func1(")
	return func() { c1.Close(); c2.Close(); <-done }
}

func both(f string) ([]goleak.Option, []leakhound.Option) {
	return []goleak.Option{goleak.IgnoreTopFunction(f)}, []leakhound.Option{leakhound.IgnoreTopFunction(f)}
}

func TestSideBySideWithGoleak(t *testing.T) {
	if testing.Short() {
		t.Skip("each leak costs both tools their retry budget")
	}
	var kaBaseline func()
	top := func(f string, start func(*testing.T) func(), leak bool) situation {
		g, l := both(f)
		return situation{name: "IgnoreTopFunction(" + f + ")", start: start, goleakOpts: g, leakhoundOpts: l, leak: leak}
	}
	for _, s := range []situation{
		{name: "test server never closed", start: testServer, leak: true, idle: true},
		{name: "keep-alive connection", start: func(t *testing.T) func() {
			b, stop := keepAlive(t)
			kaBaseline = b
			return stop
		}, leak: true, idle: true},
		{name: "sql.DB never closed", start: sqlDB, leak: true, idle: true},
		{name: "blocked in Accept", start: accept, leak: true, idle: true},
		{name: "signal.NotifyContext never stopped", start: notifyContext, leak: true, idle: true},
		{name: "batch span processor never shut down", start: batchSpanProcessor, leak: true, idle: true},
		top("time.Sleep", sleeper, false),
		top("internal/poll.runtime_pollWait", reader, false),
		top("sync.runtime_notifyListWait", condWaiter, false),
		top("", condWaiter, true),
		top("github.com/leakhound/leakhound/bench.condWaiter.func1", condWaiter, true),
		top("github.com/leakhound/leakhound/bench.reader.func1", reader, true),
	} {
		t.Run(s.name, func(t *testing.T) {
			kaBaseline = nil
			gBase, lBase := goleak.IgnoreCurrent(), leakhound.IgnoreCurrent()
			stop := s.start(t)
			defer stop()
			if kaBaseline != nil {
				// The server is not the point: only the connection's
				// goroutines are new.
				gBase, lBase = goleak.IgnoreCurrent(), leakhound.IgnoreCurrent()
				kaBaseline()
			}
			gErr := goleak.Find(append(s.goleakOpts, gBase)...)
			lErr := leakhound.Find(append(s.leakhoundOpts, lBase)...)
			if (gErr != nil) != s.leak || (lErr != nil) != s.leak {
				t.Errorf("want leak %v; goleak: %v\nleakhound: %v", s.leak, gErr, lErr)
			}
			if lErr != nil && !strings.HasPrefix(lErr.Error(), "found unexpected goroutines:\n") {
				t.Errorf("leakhound's message does not start as goleak's:\n%v", lErr)
			}
			if s.idle {
				if err := leakhound.Find(lBase, leakhound.IgnoreIdle(), leakhound.Settle(0)); err != nil {
					t.Errorf("IgnoreIdle does not hide it:\n%v", err)
				}
			}
			t.Logf("goleak: %v, leakhound: %v", gErr != nil, lErr != nil)
		})
	}
}
