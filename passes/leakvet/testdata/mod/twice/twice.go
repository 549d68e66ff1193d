// Package twice holds goroutines that send on a timeout and then their
// result, for the check that all of leakvet reports each leak once.
package twice

import (
	"context"
	"errors"
	"time"
)

var errSlow = errors.New("slow")

// OrCancel's goroutine leaks at its first send when ctx ends first, and at
// its second when the owner took the timeout: one finding, by lostsend.
func OrCancel(ctx context.Context, done <-chan struct{}, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case <-time.After(time.Second):
			errc <- errSlow
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

// Always receives once, so only the second send leaks: doublesend's.
func Always(done <-chan struct{}, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case <-time.After(time.Second):
			errc <- errSlow
		case <-done:
		}
		errc <- slow()
	}()
	return <-errc
}

// Offers sends its offer only if taken within a second, then its result.
func Offers(slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case errc <- errSlow:
		case <-time.After(time.Second):
		}
		errc <- slow()
	}()
	return <-errc
}
