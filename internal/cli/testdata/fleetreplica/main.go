// Command fleetreplica is one replica of a leaky service, for the fleet
// tests: it serves net/http/pprof and a /metrics page for Prometheus to
// scrape on loopback, and leaks goroutines on request. With -ports N it
// serves the same on N ports, as N replicas would (the scale benchmark).
// It prints each address on a line of stdout, and exits when its stdin
// closes, so that a test that dies leaves no replica behind.
//
// GET /leak?n=N leaks N goroutines blocked on a send and N blocked on a
// receive, each from its own place, and answers once all of them are
// parked.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	rpprof "runtime/pprof"
	"strconv"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address of the first port")
	ports := flag.Int("ports", 1, "how many ports to serve on; all but the first pick their own")
	flag.Parse()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/leak", leak)
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "# TYPE fleetreplica_leaked gauge\nfleetreplica_leaked %d\n", leaked)
	})
	for i := range *ports {
		a := *addr
		if i > 0 {
			a = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(ln.Addr())
		go http.Serve(ln, mux)
	}
	select {}
}

var (
	mu     sync.Mutex
	leaked int // of each kind, all parked
)

func leak(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 1 || n > 10000 {
		http.Error(w, "n?", http.StatusBadRequest)
		return
	}
	mu.Lock()
	defer mu.Unlock()
	for range n {
		send()
		receive()
	}
	leaked += n
	for parked("main.send.func1") < leaked || parked("main.receive.func1") < leaked {
		time.Sleep(time.Millisecond)
	}
	fmt.Fprintln(w, leaked)
}

// parked counts the goroutines whose stack starts with fn.
func parked(fn string) int {
	var b bytes.Buffer
	rpprof.Lookup("goroutine").WriteTo(&b, 2)
	return bytes.Count(b.Bytes(), []byte("]:\n"+fn+"("))
}

// send leaks a goroutine whose result nobody waits for any more.
func send() {
	result := make(chan int)
	go func() { result <- 42 }()
}

// receive leaks a goroutine waiting for a value nobody sends.
func receive() {
	done := make(chan struct{})
	go func() { <-done }()
}
