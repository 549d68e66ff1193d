// Command watchtarget is a service for the watch tests: it serves
// net/http/pprof on loopback and either leaks a goroutine on a schedule
// (-mode leak) or keeps goroutines coming and going with no leak
// (-mode steady). It prints its address on the first line of stdout.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address")
	mode := flag.String("mode", "leak", "leak or steady")
	every := flag.Duration("every", 40*time.Millisecond, "how often to start work")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	go func() {
		for range time.Tick(*every) {
			if *mode == "leak" {
				fetch()
			} else {
				go func() { time.Sleep(15 * time.Millisecond) }()
			}
		}
	}()
	http.Serve(ln, mux)
}

// fetch is the classic leak: the caller gives up before the worker sends.
func fetch() int {
	result := make(chan int)
	go func() {
		time.Sleep(time.Millisecond)
		result <- 42
	}()
	select {
	case v := <-result:
		return v
	case <-time.After(0):
		return 0
	}
}
