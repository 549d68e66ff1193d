package a

import (
	"context"
	"errors"
)

func step() error   { return errors.New("x") }
func finish() error { return nil }

func missingReturn() error {
	errc := make(chan error)
	go func() {
		if err := step(); err != nil {
			errc <- err
		}
		errc <- finish() // want `send-no-receiver: the goroutine blocks forever on this send when it already sent on errc at line 15: the only receive of errc \(line 19\) takes one value; return after the send at line 15`
	}()
	return <-errc
}

func sendsInLoop(xs []int) int {
	ch := make(chan int)
	go func() {
		for _, x := range xs {
			ch <- x // want `send-no-receiver: the goroutine blocks forever on this send the second time round the loop: .* send once, or receive as many values as are sent`
		}
	}()
	return <-ch
}

// sendsThenSkips continues only after the send: every pass still sends.
func sendsThenSkips(xs []int) int {
	ch := make(chan int)
	go func() {
		for _, x := range xs {
			ch <- x // want `the second time round the loop`
			if x > 0 {
				continue
			}
		}
	}()
	return <-ch
}

// Negative twins.

// firstMatch sends only the values that pass a filter; how many do is in
// the data (held-out round 5: an event loop that proposes one change and
// waits for the one entry it makes).
func firstMatch(batches <-chan []int, stop chan struct{}) int {
	found := make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case batch := <-batches:
				for _, x := range batch {
					if x%7 != 0 {
						continue
					}
					found <- x
				}
			}
		}
	}()
	x := <-found
	close(stop)
	<-done
	return x
}

// sendsIfOdd sends behind an if: one receive may be all there is.
func sendsIfOdd(xs []int) int {
	ch := make(chan int)
	go func() {
		for _, x := range xs {
			if x%2 == 1 {
				ch <- x
			}
		}
	}()
	return <-ch
}

func returns() error {
	errc := make(chan error)
	go func() {
		if err := step(); err != nil {
			errc <- err
			return
		}
		errc <- finish()
	}()
	return <-errc
}

func elseBranch() error {
	errc := make(chan error)
	go func() {
		if err := step(); err != nil {
			errc <- err
		} else {
			errc <- finish()
		}
	}()
	return <-errc
}

func bufferedOne() error {
	errc := make(chan error, 1)
	go func() {
		if err := step(); err != nil {
			errc <- err
		}
		errc <- finish()
	}()
	return <-errc
}

func secondSelects(ctx context.Context) error {
	errc := make(chan error)
	go func() {
		if err := step(); err != nil {
			errc <- err
		}
		select {
		case errc <- finish():
		case <-ctx.Done():
		}
	}()
	return <-errc
}

func receivesTwice() (error, error) {
	errc := make(chan error)
	go func() {
		if err := step(); err != nil {
			errc <- err
		}
		errc <- finish()
	}()
	return <-errc, <-errc
}
