package a

import (
	"context"
	"errors"
	"sync"

	"github.com/sourcegraph/conc"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// Goroutines started by a group's Go method (sync.WaitGroup.Go since Go
// 1.25, errgroup, conc) are goroutines like any other.

func wgGoTimeout(ctx context.Context) (int, error) {
	var wg sync.WaitGroup
	ch := make(chan int)
	wg.Go(func() {
		ch <- fetch() // want `send-no-receiver: the goroutine blocks forever on this send when wgGoTimeout returns at line 26 through the ctx.Done\(\) case without receiving from ch; give ch a buffer of 1`
	})
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func errgroupEarly(xs []int) error {
	var g errgroup.Group
	results := make(chan int)
	for _, x := range xs {
		g.Go(func() error {
			results <- x * 2 // want `send-no-receiver: the goroutine blocks forever on this send when errgroupEarly returns at line 41 before all results are in`
			return nil
		})
	}
	for range xs {
		if r := <-results; r < 0 {
			return errors.New("negative")
		}
	}
	return g.Wait()
}

func concGoTimeout(ctx context.Context) int {
	var wg conc.WaitGroup
	ch := make(chan int)
	wg.Go(func() {
		ch <- fetch() // want `send-no-receiver: .* when concGoTimeout returns at line 57 through the ctx.Done\(\) case`
	})
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}

// wgGoJoined leaves through done, which closes only after every goroutine
// the group started has returned, so none is left blocked on out.
func wgGoJoined(xs []int) []int {
	var wg sync.WaitGroup
	out := make(chan int)
	done := make(chan struct{})
	for _, x := range xs {
		wg.Go(func() { out <- x })
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	var got []int
	for {
		select {
		case v := <-out:
			got = append(got, v)
		case <-done:
			return got
		}
	}
}

// errgroupSelect's workers give up on ctx.Done(), which the group cancels
// when the owner's receiver fails.
func errgroupSelect(ctx context.Context, xs []int) error {
	g, ctx := errgroup.WithContext(ctx)
	results := make(chan int)
	for _, x := range xs {
		g.Go(func() error {
			select {
			case results <- x:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}
	for range xs {
		if r := <-results; r < 0 {
			return errors.New("negative")
		}
	}
	return g.Wait()
}

// tryGo may not run its function at all, so it is not followed.
func tryGo(ctx context.Context, g *errgroup.Group) int {
	ch := make(chan int)
	g.TryGo(func() error { ch <- fetch(); return nil })
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}

// poolFirst takes the first of its workers' answers; conc's pools, generic
// ones too, start goroutines like go statements.
func poolFirst(xs []int) int {
	p := pool.New()
	ch := make(chan int)
	for _, x := range xs {
		p.Go(func() {
			ch <- x // want `send-no-receiver: the goroutine blocks forever on this send when poolFirst returns after the first result`
		})
	}
	return <-ch
}

func resultPoolTimeout(ctx context.Context) int {
	p := pool.NewWithResults[int]()
	ch := make(chan int)
	p.Go(func() int {
		ch <- fetch() // want `send-no-receiver: .* when resultPoolTimeout returns at line 144 through the ctx.Done\(\) case`
		return 0
	})
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}
