// Command prog gives up on a fetch when signalled: main's return ends the
// process, and the goroutine with it (held-out round 17, tailscale's
// stunstamp).
package main

import (
	"os"
	"os/signal"
	"time"
)

func fetch() int { return 1 }

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	ch := make(chan int)
	go func() { ch <- fetch() }()
	select {
	case <-sig:
		return
	case v := <-ch:
		println(v)
	}
	go worker(sig)
	// The refreshers the loop starts are received in the loop; the
	// receive above came before any of them.
	tick := time.NewTicker(time.Minute)
	for {
		select {
		case <-tick.C:
			go func() { ch <- fetch() }()
		case v := <-ch:
			println(v)
		case <-sig:
			return
		}
	}
}

// worker is not main: its return leaves the goroutine behind while the
// program runs on.
func worker(sig chan os.Signal) {
	ch := make(chan int)
	go func() { ch <- fetch() }() // want `when worker returns at line 48 through the <-sig case without receiving from ch`
	select {
	case <-sig:
		return
	case v := <-ch:
		println(v)
	}
}
