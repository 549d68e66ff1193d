// The seed article's nil-channel example, as written there: the channel is
// declared but never made, and passed into the goroutine as an argument.
package main

import (
	"fmt"
	"runtime"
	"time"
)

func main() {
	var ch chan int

	go func(ch chan int) {
		<-ch // want `nil-channel-receive: this receive blocks forever: ch is a nil channel, the goroutine's parameter ch is passed ch at line 16, which is never assigned a made channel; initialise it with make\(chan int\)`
	}(ch)

	c := time.Tick(1 * time.Second)
	for range c {
		fmt.Printf("#goroutines: %d", runtime.NumGoroutine())
	}
}
