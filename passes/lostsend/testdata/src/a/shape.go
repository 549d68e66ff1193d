package a

import (
	"context"
	"time"
)

// Fixes that fit the shape of the leak (round 15).

// eventLoop starts a goroutine per event of a loop that runs until ctx
// ends: the goroutines in flight then block, and no buffer size fits.
func eventLoop(ctx context.Context, events <-chan int, handle func(int) int) {
	results := make(chan int)
	for {
		select {
		case ev := <-events:
			go func() {
				results <- handle(ev) // want `when eventLoop returns at line 23 through the ctx.Done\(\) case without receiving from results; it is started on each pass of the unbounded loop at line 14, so no buffer fits: send in a select with a case on ctx.Done\(\) or on a channel closed when eventLoop returns`
			}()
		case r := <-results:
			_ = r
		case <-ctx.Done():
			return
		}
	}
}

// rangeEvents is the same with a range over the channel of events.
func rangeEvents(ctx context.Context, events <-chan int, handle func(int) int) int {
	results := make(chan int)
	for ev := range events {
		go func() {
			results <- handle(ev) // want `it is started on each pass of the unbounded loop at line 31, so no buffer fits`
		}()
		select {
		case r := <-results:
			if r < 0 {
				return r
			}
		case <-ctx.Done():
			return 0
		}
	}
	return 1
}

// sendsTwice's goroutine sends its timeout and then, with no return, its
// result: it needs two slots, or a return after the first send.
func sendsTwice(ctx context.Context, done <-chan struct{}, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case <-time.After(time.Second):
			errc <- context.DeadlineExceeded // want `the goroutine can send 2 times on one path \(lines 54, 57\), so give errc a buffer of 2, or return after the send at line 54 and give it a buffer of 1`
		case <-done:
		}
		errc <- slow()
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drainOnce receives the interrupt's answer in the loop or, if it has not
// yet, before it returns: the flag says which, so no path leaves without
// it (held-out round 16, toxiproxy's link.go).
func drainOnce(input <-chan []byte, interrupt func() bool) {
	stop := make(chan bool)
	go func() {
		stop <- interrupt()
	}()
	interrupted, stopped := false, false
	_ = interrupted
	for !interrupted {
		select {
		case interrupted = <-stop:
			stopped = true
		case b := <-input:
			if b == nil {
				if !stopped {
					<-stop
				}
				return
			}
		}
	}
}

// drainFlagSet sets its flag before it has received: now the path that
// skips the receive is real.
func drainFlagSet(input <-chan []byte, interrupt func() bool) {
	stop := make(chan bool)
	go func() {
		stop <- interrupt() // want `when drainFlagSet returns at line 110 through the <-input case without receiving from stop`
	}()
	stopped := false
	for {
		select {
		case <-stop:
			return
		case b := <-input:
			stopped = true
			if b == nil {
				if !stopped {
					<-stop
				}
				return
			}
		}
	}
}

// errOrResult's goroutine sends an error or a result on one channel:
// one finding names both sends.
func errOrResult(ctx context.Context, get func() (int, error)) (int, error) {
	out := make(chan any)
	go func() {
		v, err := get()
		if err != nil {
			out <- err // want `the goroutine blocks forever on this send or the one at line 126, whichever it takes, when errOrResult returns at line 133 through the ctx.Done\(\) case without receiving from out; give out a buffer of 1`
			return
		}
		out <- v
	}()
	select {
	case r := <-out:
		_ = r
		return 0, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// offersThenSends offers a value for a second, then sends its result; the
// owner may give up on ctx. With a buffer the offer completes at once and
// takes a slot, so the result needs a second one.
func offersThenSends(ctx context.Context, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case errc <- context.DeadlineExceeded:
		case <-time.After(time.Second):
		}
		errc <- slow() // want `the goroutine can send 2 times on one path \(lines 144, 147\), so give errc a buffer of 2, or return after the send at line 144 and give it a buffer of 1`
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stepsPerCase makes its channel on each pass, so each goroutine is the
// only sender on its own: it sends twice on one path, and needs two slots
// (held-out round 17, tailscale's TestNetstackTCPLoopback).
func stepsPerCase(ctx context.Context, cases []int, read, write func(int) error) error {
	for _, c := range cases {
		steps := make(chan error)
		go func() {
			steps <- read(c) // want `the goroutine can send 2 times on one path \(lines 164, 165\), so give steps a buffer of 2, or return after the send at line 164 and give it a buffer of 1`
			steps <- write(c)
		}()
		for range 2 {
			select {
			case err := <-steps:
				if err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// startsOnce starts its helper behind a flag it sets first: one goroutine,
// however many passes the loop makes (held-out round 17, tailscale's
// containerboot).
func startsOnce(ctx context.Context, events <-chan int, helper func() error) error {
	errs := make(chan error)
	started := false
	for {
		select {
		case <-events:
			if !started {
				started = true
				go func() {
					errs <- helper() // want `when startsOnce returns at line 199 through the ctx.Done\(\) case without receiving from errs; give errs a buffer of 1$`
				}()
			}
		case err := <-errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// startsAgain clears its flag when the helper reports: a helper per
// report, as many as the loop runs.
func startsAgain(ctx context.Context, events <-chan int, helper func() error) error {
	errs := make(chan error)
	started := false
	for {
		select {
		case <-events:
			if !started {
				started = true
				go func() {
					errs <- helper() // want `it is started on each pass of the unbounded loop at line 209, so no buffer fits`
				}()
			}
		case err := <-errs:
			if err != nil {
				return err
			}
			started = false
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// errOrTwo's goroutine sends its error, or its two results one after the
// other: the message says which sends share a path.
func errOrTwo(ctx context.Context, get func() (int, error)) int {
	out := make(chan any)
	go func() {
		v, err := get()
		if err != nil {
			out <- err // want `the goroutine blocks forever on this send or, on its other path, on the ones at lines 239 and 240, one after the other, when errOrTwo returns at line 247 through the ctx.Done\(\) case without receiving from out; the goroutine can send 2 times on one path \(lines 239, 240\), so give out a buffer of 2, or return after the send at line 239 and give it a buffer of 1`
			return
		}
		out <- v
		out <- v + 1
	}()
	select {
	case r := <-out:
		_ = r
		return 1
	case <-ctx.Done():
		return 0
	}
}

// errOrOneOfTwo's goroutine sends its error, or one result of two, or two
// results one after the other.
func errOrOneOfTwo(ctx context.Context, get func() (int, error)) int {
	out := make(chan any)
	go func() {
		v, err := get()
		if err != nil {
			out <- err // want `the goroutine blocks forever on this send or, on its other paths, on the one at line 262 or the ones at lines 265 and 266, one after the other, when errOrOneOfTwo returns at line 273 through the ctx.Done\(\) case without receiving from out; the goroutine can send 2 times on one path \(lines 265, 266\), so give out a buffer of 2`
			return
		}
		if v < 0 {
			out <- -v
			return
		}
		out <- v
		out <- v + 1
	}()
	select {
	case r := <-out:
		_ = r
		return 1
	case <-ctx.Done():
		return 0
	}
}
