package scenario

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	rpprof "runtime/pprof"
	"sync"
	"time"
)

// held keeps connections, servers and signal channels alive for the life of
// the process: their finalizers would otherwise close them and wake the
// goroutines the scenarios mean to leave blocked.
var held struct {
	sync.Mutex
	v []any
}

func hold(v ...any) {
	held.Lock()
	held.v = append(held.v, v...)
	held.Unlock()
}

func must(scenario string, err error) {
	if err != nil {
		panic(fmt.Sprintf("scenario %s: %v", scenario, err))
	}
}

// readReply reads from c with no deadline.
func readReply(c net.Conn) {
	buf := make([]byte, 512)
	_, _ = c.Read(buf)
}

// ioWithoutDeadline: a client reads the reply of a loopback peer that never
// writes, with no read deadline.
func ioWithoutDeadline() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must("io-without-deadline", err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	must("io-without-deadline", err)
	peer, ok := <-accepted
	if !ok {
		must("io-without-deadline", fmt.Errorf("accept on %s failed", ln.Addr()))
	}
	hold(peer, c)
	go readReply(c)
}

// refreshLoop wakes every interval.
func refreshLoop(every time.Duration) {
	for {
		time.Sleep(every)
	}
}

// sleeping: a goroutine that sleeps for an hour between rounds.
func sleeping() { go refreshLoop(time.Hour) }

// spin never blocks: it yields and goes round again.
func spin() {
	for {
		runtime.Gosched()
	}
}

// busy: a goroutine that is always running or runnable.
func busy() { go spin() }

// serveIdle serves srv on ln until the process exits.
func serveIdle(srv *http.Server, ln net.Listener) {
	_ = srv.Serve(ln)
}

// Frames of the goroutines an idle keep-alive connection leaves behind.
const (
	connServe = "net/http.(*conn).serve"
	readLoop  = "net/http.(*persistConn).readLoop"
	writeLoop = "net/http.(*persistConn).writeLoop"
)

// PprofMux returns a mux with net/http/pprof's handlers under /debug/pprof/,
// the way a service mounts them on its own mux rather than DefaultServeMux.
func PprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// httpPprof: an idle HTTP server with net/http/pprof, scraped once so that a
// keep-alive connection stays open on both sides.
func httpPprof() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must("http-pprof", err)
	srv := &http.Server{Handler: PprofMux(), ReadHeaderTimeout: 10 * time.Second}
	before := [3]int{countBlocked(connServe, "IO wait"), countBlocked(readLoop, "IO wait"), countBlocked(writeLoop, "select")}
	go serveIdle(srv, ln)

	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + ln.Addr().String() + "/debug/pprof/")
	must("http-pprof", err)
	_, err = io.Copy(io.Discard, resp.Body)
	must("http-pprof", err)
	must("http-pprof", resp.Body.Close())
	hold(srv, client)
	waitBlocked("http-pprof", connServe, "IO wait", before[0]+1)
	waitBlocked("http-pprof", readLoop, "IO wait", before[1]+1)
	waitBlocked("http-pprof", writeLoop, "select", before[2]+1)
}

// signalNotify: signal.Notify starts os/signal's loop, which waits for
// signals for the rest of the process.
func signalNotify() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	hold(c)
}

// recurse calls itself depth times and then sleeps, so the traceback
// elides the middle of its stack.
func recurse(depth int) int {
	if depth == 0 {
		time.Sleep(time.Hour)
		return 0
	}
	return recurse(depth-1) + 1
}

// deepRecursion: a sleeping goroutine 300 frames deep.
func deepRecursion() { go recurse(300) }

// labelledWorker waits on ch, which has no sender.
func labelledWorker(ch chan int) { <-ch }

// labelled: a goroutine with pprof labels starts two children, which inherit
// them, and all three wait on a channel with no sender.
func labelled() {
	ch := make(chan int)
	go func() {
		rpprof.Do(context.Background(), rpprof.Labels("scenario", "labels", "role", "worker"), func(context.Context) {
			for i := 0; i < 2; i++ {
				go labelledWorker(ch)
			}
			labelledWorker(ch)
		})
	}()
}

// pinnedWorker sleeps on a goroutine locked to its OS thread.
func pinnedWorker() {
	runtime.LockOSThread()
	time.Sleep(time.Hour)
}

// lockedThread: a goroutine that called runtime.LockOSThread and sleeps.
func lockedThread() { go pinnedWorker() }
