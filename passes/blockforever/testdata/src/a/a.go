package a

import (
	"context"
	"sync"
)

func serve() {
	go func() {
		select {} // want `select-forever: select {} blocks this goroutine forever and nothing can stop it`
	}()
}

func serveInGroup(wg *sync.WaitGroup) {
	wg.Go(func() {
		select {} // want `select-forever: select {} blocks this goroutine forever`
	})
}

func park() {
	go func() {
		<-make(chan struct{}) // want `receive-no-sender: this receive from a channel made on the spot blocks the goroutine forever`
	}()
}

func nilRecv(out chan int) {
	go func() {
		out <- <-(chan int)(nil) // want `nil-channel-receive: this receive from a nil channel blocks the goroutine forever`
	}()
}

func rangeNil() {
	go func() {
		for range (chan int)(nil) { // want `nil-channel-receive: this range from a nil channel`
		}
	}()
}

// Negative twins.

func waits(ctx context.Context) {
	select {
	case <-ctx.Done():
	}
}

func receives(ch chan int) int { return <-ch }

// serveForever parks its caller on purpose, like httptest's -httptest.serve.
func serveForever() {
	select {}
}
