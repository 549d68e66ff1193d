package a

import (
	"context"
	"time"
)

// twoSendersNoReceive starts two goroutines that each report on errc, and
// may return before reading either: each needs a slot (held-out round 13,
// istio's ztunnel tests).
func twoSendersNoReceive(ctx context.Context, add, del func() error) error {
	errc := make(chan error)
	go func() {
		errc <- add() // want `send-no-receiver: the goroutine blocks forever on this send when twoSendersNoReceive returns at line 26 through the ctx.Done\(\) case without receiving from errc; give errc a buffer of 2`
	}()
	go func() {
		errc <- del() // want `give errc a buffer of 2`
	}()
	select {
	case err := <-errc:
		if err != nil {
			return err
		}
		return <-errc
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pollProgress's goroutine sends on every tick: no buffer holds them all
// once the function is gone (held-out round 13, vitess's vtctl).
func pollProgress(ctx context.Context, progress func() int) int {
	progc := make(chan int)
	go func() {
		for range time.Tick(time.Second) {
			progc <- progress() // want `send-no-receiver: .* it sends in a loop, so give the send a way out: a select on ctx.Done\(\) or on a channel closed when pollProgress returns`
		}
	}()
	for {
		select {
		case p := <-progc:
			if p == 100 {
				return p
			}
		case <-ctx.Done():
			return 0
		}
	}
}

// retryOnce's goroutine loops, but returns right after its one send.
func retryOnce(ctx context.Context, try func() error) error {
	errc := make(chan error)
	go func() {
		for {
			if err := try(); err == nil {
				errc <- nil // want `send-no-receiver: .* give errc a buffer of 1`
				return
			}
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// closeAndReturn's poller sends its error once, closes and returns; its
// progress goes out on every tick (vitess's vtctl).
func closeAndReturn(ctx context.Context, poll func() (int, error)) error {
	errc := make(chan error)
	progc := make(chan int)
	go func() {
		for range time.Tick(time.Second) {
			p, err := poll()
			if err != nil {
				errc <- err // want `send-no-receiver: .* give errc a buffer of 1`
				close(errc)
				return
			}
			progc <- p // want `it sends in a loop, so give the send a way out`
		}
	}()
	for {
		select {
		case p := <-progc:
			if p == 100 {
				return nil
			}
		case err := <-errc:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
