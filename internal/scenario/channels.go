package scenario

import (
	"context"
	"errors"
	"time"
)

// The shapes in this file follow the article the project started from
// (goroutine leaks by channel misuse and by missing timeout handling): each
// function leaves its goroutines blocked and returns, like the caller in the
// article.

var errTimeout = errors.New("timed out")

// slowWork stands for the business logic that outlives the caller's timeout.
func slowWork() { time.Sleep(20 * time.Millisecond) }

// sendNoReceiver: a goroutine sends on an unbuffered channel that nobody
// reads, so the send never completes.
func sendNoReceiver() {
	ch := make(chan int)
	go func() {
		ch <- 1
	}()
}

// timeoutAfter is the article's timeout pattern with an unbuffered result
// channel: the caller leaves through time.After and the worker blocks on its
// send forever. The article's version has make(chan struct{}, 1), which fixes it.
func timeoutAfter() error {
	done := make(chan struct{})
	go func() {
		slowWork()
		done <- struct{}{}
	}()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Millisecond):
		return errTimeout
	}
}

// untilTimeout returns a start func that calls f until it returns through
// its timeout. On a loaded machine the caller can be scheduled only after the
// worker has finished its slow work; its select then finds both cases ready,
// may take the result, and leaves no goroutine behind. A call that times out
// always leaves its worker blocked, and a call that does not leaves nothing,
// so retrying keeps the count exact.
func untilTimeout(name string, f func() error) func() {
	return func() {
		for i := 0; f() == nil; i++ {
			if i == 1000 {
				panic("scenario " + name + ": 1000 calls in a row did not time out")
			}
		}
	}
}

// timeoutContext is the same leak with context.WithTimeout: the caller
// returns on ctx.Done() and the worker's send has no receiver left.
func timeoutContext() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	result := make(chan int)
	go func() {
		slowWork()
		result <- 42
	}()
	select {
	case <-result:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// consumerGone: the consumer stops at its first bad item and returns, and
// the producer blocks sending the next one.
func consumerGone() {
	ch := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			ch <- i
		}
		close(ch)
	}()
	for v := range ch {
		if v == 0 {
			return // a "bad" item: the consumer gives up
		}
	}
}

// receiveNoSender: a goroutine waits on a buffered channel that nothing ever
// sends to.
func receiveNoSender() {
	ch := make(chan int, 1)
	go func() {
		<-ch
	}()
}

// collector's results channel is declared but never made.
type collector struct {
	results chan int
}

// nilChannelSend: a goroutine sends on a struct field that was never made,
// and a send on a nil channel blocks forever.
func nilChannelSend() {
	c := &collector{}
	go func() {
		c.results <- 1
	}()
}

// nilChannelReceive is the article's uninitialised channel: var ch chan int
// passed to a goroutine that receives from it.
func nilChannelReceive() {
	var ch chan int
	go func(ch chan int) {
		<-ch
	}(ch)
}

// selectForever: a select over channels that were made but that nothing
// sends on or closes.
func selectForever() {
	jobs := make(chan int)
	quit := make(chan struct{})
	go func() {
		select {
		case <-jobs:
		case <-quit:
		}
	}()
}

// selectNil: a select whose channels are all nil.
func selectNil() {
	var in chan int
	var out chan string
	go func() {
		select {
		case <-in:
		case out <- "x":
		}
	}()
}

// selectEmpty: select {} blocks forever by construction.
func selectEmpty() {
	go func() {
		select {}
	}()
}

// rangeNeverClosed: the producer sends its items and returns without
// close(ch), so the consumer's for-range never ends.
func rangeNeverClosed() {
	ch := make(chan int)
	go func() {
		for v := range ch {
			_ = v
		}
	}()
	for i := 0; i < 3; i++ {
		ch <- i
	}
}

// watcher cancels its context in Close, which its owner never calls.
type watcher struct{ cancel context.CancelFunc }

// Close stops the watcher.
func (w *watcher) Close() { w.cancel() }

// contextNeverDone: a goroutine waits on ctx.Done() for a context whose
// cancel function is kept but never called.
func contextNeverDone() {
	ctx, cancel := context.WithCancel(context.Background())
	_ = &watcher{cancel: cancel} // the owner forgets Close
	go func() {
		<-ctx.Done()
	}()
}

// waitForShutdown waits for ctx to be done.
func waitForShutdown(ctx context.Context) {
	<-ctx.Done()
}

// contextBackground: waitForShutdown is handed context.Background(), whose
// Done channel is nil, so the runtime reports a receive from a nil channel.
func contextBackground() {
	go waitForShutdown(context.Background())
}

// await returns the next value of ch.
func await[T any](ch <-chan T) T { return <-ch }

// genericWorker: a goroutine in a generic function waits on a channel that
// has no sender.
func genericWorker() {
	go await(make(chan string))
}

// worker sums jobs until its jobs channel is closed.
type worker struct {
	jobs chan int
	sum  int
}

func (w *worker) loop() {
	for j := range w.jobs {
		w.sum += j
	}
}

// methodWorker: a method on a pointer receiver ranges over a jobs channel
// that its owner never closes.
func methodWorker() {
	w := &worker{jobs: make(chan int)}
	go w.loop()
	w.jobs <- 1
}
