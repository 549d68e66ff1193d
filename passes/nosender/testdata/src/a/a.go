package a

import (
	"context"
	"sync"
)

func consume(int) {}

func rangeNeverClosed(xs []int) {
	results := make(chan int)
	go func() {
		for r := range results { // want `range-never-closed: this range over results never ends and the goroutine blocks forever after the last value: nothing closes results; close it after the last send`
			consume(r)
		}
	}()
	for _, x := range xs {
		results <- x
	}
}

func producerGoroutine(xs []int) {
	jobs := make(chan int, len(xs))
	go func() {
		for _, x := range xs {
			jobs <- x
		}
	}()
	go func() {
		for j := range jobs { // want `range-never-closed: this range over jobs`
			consume(j)
		}
	}()
}

func noSender() {
	done := make(chan struct{})
	go func() {
		<-done // want `receive-no-sender: the goroutine blocks forever on this receive: nothing sends on done or closes it`
		consume(1)
	}()
	consume(2)
}

func paramRange(xs []int) {
	ch := make(chan int)
	go func(in chan int) {
		for v := range in { // want `range-never-closed`
			consume(v)
		}
	}(ch)
	for _, x := range xs {
		ch <- x
	}
}

// Negative twins.

func producerCloses(xs []int) {
	results := make(chan int)
	go func() {
		for r := range results {
			consume(r)
		}
	}()
	for _, x := range xs {
		results <- x
	}
	close(results)
}

func deferredClose(xs []int) {
	results := make(chan int)
	defer close(results)
	go func() {
		for r := range results {
			consume(r)
		}
	}()
	for _, x := range xs {
		results <- x
	}
}

func stopped(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}()
}

func signalled() {
	done := make(chan struct{})
	go func() {
		<-done
	}()
	done <- struct{}{}
}

func forever(next func() int) {
	work := make(chan int)
	go func() {
		for w := range work {
			consume(w)
		}
	}()
	for {
		work <- next()
	}
}

func escapes(register func(chan int)) {
	ch := make(chan int)
	go func() {
		for v := range ch {
			consume(v)
		}
	}()
	register(ch)
}

// groupRange's worker, started by WaitGroup.Go, waits for a close that
// never comes, and so does the owner's Wait.
func groupRange(xs []int) {
	var wg sync.WaitGroup
	jobs := make(chan int)
	wg.Go(func() {
		for j := range jobs { // want `range-never-closed: this range over jobs`
			consume(j)
		}
	})
	for _, x := range xs {
		jobs <- x
	}
	wg.Wait()
}

// groupRangeClosed closes jobs after the last send.
func groupRangeClosed(xs []int) {
	var wg sync.WaitGroup
	jobs := make(chan int)
	wg.Go(func() {
		for j := range jobs {
			consume(j)
		}
	})
	for _, x := range xs {
		jobs <- x
	}
	close(jobs)
	wg.Wait()
}

// drainOnReturn starts, as it returns, a goroutine to drain ticks; nothing
// closes tick, so the drainer outlives the ticker (evio's stdloopRun).
func drainOnReturn(events <-chan int) {
	tick := make(chan bool)
	stop := make(chan struct{})
	defer func() {
		close(stop)
		go func() {
			for range tick { // want `range-never-closed: this range over tick`
			}
		}()
	}()
	go func() {
		for {
			select {
			case tick <- true:
			case <-stop:
				return
			}
		}
	}()
	for {
		select {
		case <-tick:
		case v := <-events:
			if v < 0 {
				return
			}
		}
	}
}
