// Package pool has the shape of github.com/sourcegraph/conc/pool that
// leakvet recognises: Go runs f in one of the pool's goroutines, and Wait
// waits for them.
package pool

import "sync"

type Pool struct{ wg sync.WaitGroup }

func New() *Pool { return &Pool{} }

func (p *Pool) Go(f func()) { p.wg.Go(f) }

func (p *Pool) Wait() { p.wg.Wait() }

// ResultPool is generic, as conc's is.
type ResultPool[T any] struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	out []T
}

func NewWithResults[T any]() *ResultPool[T] { return &ResultPool[T]{} }

func (p *ResultPool[T]) Go(f func() T) {
	p.wg.Go(func() {
		v := f()
		p.mu.Lock()
		p.out = append(p.out, v)
		p.mu.Unlock()
	})
}

func (p *ResultPool[T]) Wait() []T {
	p.wg.Wait()
	return p.out
}
