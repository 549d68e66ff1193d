package a

import (
	"context"
	"errors"
	"time"
)

func fetch() int { return 1 }

func timeout() (int, error) {
	ch := make(chan int)
	go func() {
		ch <- fetch() // want `send-no-receiver: the goroutine blocks forever on this send when timeout returns at line 18 through the time.After timeout case without receiving from ch; give ch a buffer of 1`
	}()
	select {
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	case v := <-ch:
		return v, nil
	}
}

func cancelled(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() { ch <- fetch() }() // want `send-no-receiver: .* when cancelled returns at line 29 through the ctx.Done\(\) case without receiving from ch; give ch a buffer of 1`
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case v := <-ch:
		return v, nil
	}
}

func earlyError(check func() error) (int, error) {
	errc := make(chan error)
	go func() {
		errc <- check() // want `send-no-receiver: .* when earlyError returns at line 41 without receiving from errc`
	}()
	if fetch() < 0 {
		return 0, errors.New("bad input")
	}
	return 1, <-errc
}

func firstOfMany(servers []string) int {
	ch := make(chan int)
	for range servers {
		go func() { ch <- fetch() }() // want `send-no-receiver: .* when firstOfMany returns after the first result \(line 51\) without receiving from ch; give ch a buffer of len\(servers\)`
	}
	return <-ch
}

func stopsOnError(n int) error {
	errc := make(chan error)
	for i := 0; i < n; i++ {
		go func() { errc <- nil }() // want `send-no-receiver: .* when stopsOnError returns at line 61 before all results are in without receiving from errc; give errc a buffer of n`
	}
	for i := 0; i < n; i++ {
		if err := <-errc; err != nil {
			return err
		}
	}
	return nil
}

// Negative twins.

func buffered() (int, error) {
	ch := make(chan int, 1)
	go func() { ch <- fetch() }()
	select {
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	case v := <-ch:
		return v, nil
	}
}

func senderSelects(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() {
		select {
		case ch <- fetch():
		case <-ctx.Done():
		}
	}()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case v := <-ch:
		return v, nil
	}
}

func alwaysReceives() int {
	ch := make(chan int)
	go func() { ch <- fetch() }()
	if fetch() > 3 {
		return <-ch + 1
	}
	return <-ch
}

func allResults(servers []string) int {
	ch := make(chan int)
	for range servers {
		go func() { ch <- fetch() }()
	}
	sum := 0
	for range servers {
		sum += <-ch
	}
	return sum
}

func escapes(deliver func(chan int)) {
	ch := make(chan int)
	go func() { ch <- fetch() }()
	deliver(ch)
}

func paramAlias() (int, error) {
	ch := make(chan int)
	go func(out chan int) {
		out <- fetch() // want `send-no-receiver: .* when paramAlias returns at line 130`
	}(ch)
	select {
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	case v := <-ch:
		return v, nil
	}
}

func panics() int {
	ch := make(chan int)
	go func() { ch <- fetch() }()
	if fetch() < 0 {
		panic("negative")
	}
	return <-ch
}

func countsDown(workers []string, ticks chan int) error {
	errc := make(chan error)
	for range workers {
		go func() { errc <- nil }()
	}
	active := len(workers)
	for {
		select {
		case err := <-errc:
			active--
			if active == 0 {
				return err
			}
		case <-ticks:
		}
	}
}

func receivesTwice() {
	done := make(chan bool)
	for i := 0; i < 2; i++ {
		go func() { done <- true }()
	}
	<-done
	<-done
}

func twoWorkers(a, b func() error) error {
	errc := make(chan error)
	go func() { errc <- a() }()
	go func() { errc <- b() }() // want `send-no-receiver: 2 goroutines send on errc but twoWorkers receives once \(line 176\): all but the first to send block forever; give errc a buffer of 2`
	return <-errc
}

func twoWorkersBothReceived(a, b func() error) (error, error) {
	errc := make(chan error)
	go func() { errc <- a() }()
	go func() { errc <- b() }()
	return <-errc, <-errc
}

func oneOrTheOther(fast bool, a, b func() error) error {
	errc := make(chan error)
	if fast {
		go func() { errc <- a() }()
	} else {
		go func() { errc <- b() }()
	}
	return <-errc
}

// fail never returns: a test framework's Fail (Ginkgo's panics), seen
// through ctrlflow's facts. Leaving through it is a panic, not a return.
func fail(msg string) { panic(msg) }

func timeoutFails() int {
	ch := make(chan int)
	go func() { ch <- fetch() }()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Second):
		fail("still blocked")
	}
	return 0
}
