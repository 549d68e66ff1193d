package a

import (
	"context"
	"sync"
)

func rangeUntilClosed(queriers []func() int) []int {
	var wg sync.WaitGroup
	results := make(chan int)
	for _, q := range queriers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- q()
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	var out []int
	for r := range results {
		out = append(out, r)
	}
	return out
}

func preferTimeout(ctx context.Context, done chan struct{}) error {
	errc := make(chan error)
	go func() {
		errc <- nil // want `send-no-receiver: .* when preferTimeout returns at line 40 through the <-done case without receiving from errc; give errc a buffer of 1`
	}()
	select {
	case <-done: // a normal outcome, named before the timeout (round 15)
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return nil
}
