// Package ranked leaks in production code, in a test that passes and in a
// test that has already failed, for leakvet's --show and its ordering.
package ranked

import (
	"context"
	"time"
)

// Wait leaks its sender when ctx ends first.
func Wait(ctx context.Context, work func() error) error {
	errc := make(chan error)
	go func() { errc <- work() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Poll's goroutine could have been started here; it is the tests that leak.
func Poll(d time.Duration) { time.Sleep(d) }
