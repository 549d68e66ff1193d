// Command watchtarget is a service for the watch tests: it serves
// net/http/pprof on loopback and leaks goroutines, or keeps goroutines
// coming and going with no leak (-mode steady). It prints its address on
// the first line of stdout.
//
// In leak mode, GET /leak?n=N leaks N goroutines and answers once all of
// them are parked, so a test decides exactly when a group grows; -every
// also leaks one on a schedule.
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
	"regexp"
	rpprof "runtime/pprof"
	"strconv"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address")
	mode := flag.String("mode", "leak", "leak or steady")
	every := flag.Duration("every", 0, "how often to start work on a schedule; 0: only on request")
	flag.Parse()
	// The tests hold our stdin open; when they end, however they end, it
	// closes and we go too, so no target outlives its test binary.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/leak", leak)
	if *every > 0 || *mode == "steady" {
		if *every == 0 {
			*every = 40 * time.Millisecond
		}
		go func() {
			for range time.Tick(*every) {
				if *mode == "leak" {
					fetch()
				} else {
					go func() { time.Sleep(15 * time.Millisecond) }()
				}
			}
		}()
	}
	http.Serve(ln, mux)
}

var (
	mu     sync.Mutex
	leaked int // by /leak, all parked
)

func leak(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 1 {
		http.Error(w, "n?", http.StatusBadRequest)
		return
	}
	mu.Lock()
	defer mu.Unlock()
	for range n {
		fetch()
	}
	leaked += n
	// Answer once every leaked goroutine is parked on its send, so that
	// the next sample sees them all in one group.
	for parked() < leaked {
		time.Sleep(time.Millisecond)
	}
	fmt.Fprintln(w, leaked)
}

// atSend matches the header and first frame of a goroutine blocked on
// fetch's send, "(leaked)" or not once the runtime has proven it.
var atSend = regexp.MustCompile(`\[chan send[^\]\n]*\]:\nmain\.fetch\.func1\(`)

// parked counts the goroutines blocked on fetch's send.
func parked() int {
	var b bytes.Buffer
	rpprof.Lookup("goroutine").WriteTo(&b, 2)
	return len(atSend.FindAllIndex(b.Bytes(), -1))
}

// fetch is the classic leak: the caller gives up before the worker sends.
// The worker finishes its work only once the caller has given up, so every
// call leaks.
func fetch() int {
	result := make(chan int)
	gaveUp := make(chan struct{})
	go func() {
		<-gaveUp // the work outlasts the caller's patience
		result <- 42
	}()
	defer close(gaveUp)
	select {
	case v := <-result:
		return v
	case <-time.After(0):
		return 0
	}
}
