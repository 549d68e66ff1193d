package scenario

import (
	"errors"
	"sync"
)

var errFail = errors.New("failed")

// counter has a return path that skips Unlock.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) incr(fail bool) error {
	c.mu.Lock()
	if fail {
		return errFail // the bug: c.mu stays locked
	}
	c.n++
	c.mu.Unlock()
	return nil
}

// mutexDeadlock: an error path left the mutex locked, and the next caller
// blocks in Lock forever.
func mutexDeadlock() {
	c := &counter{}
	_ = c.incr(true)
	go func() {
		_ = c.incr(false)
	}()
}

// lockBoth takes first then second; ready makes both callers hold their first
// lock before either asks for its second.
func lockBoth(first, second *sync.Mutex, ready *sync.WaitGroup) {
	first.Lock()
	ready.Done()
	ready.Wait()
	second.Lock()
	second.Unlock()
	first.Unlock()
}

// mutexABBA: two goroutines take two mutexes in opposite orders and each
// waits for the lock the other holds.
func mutexABBA() {
	var a, b sync.Mutex
	var ready sync.WaitGroup
	ready.Add(2)
	go lockBoth(&a, &b, &ready)
	go lockBoth(&b, &a, &ready)
}

// registry is a map behind an RWMutex, with one bug on each side.
type registry struct {
	mu sync.RWMutex
	m  map[string]int
}

func (r *registry) get(k string) (int, bool) {
	r.mu.RLock()
	v, ok := r.m[k]
	if !ok {
		return 0, false // the bug: the read lock stays held
	}
	r.mu.RUnlock()
	return v, true
}

func (r *registry) set(k string, v int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[k] = v
}

func (r *registry) load(fail bool) error {
	r.mu.Lock()
	if fail {
		return errFail // the bug: the write lock stays held
	}
	r.mu.Unlock()
	return nil
}

// rwmutexLock: a reader returned without RUnlock, so a writer blocks in Lock.
func rwmutexLock() {
	r := &registry{m: map[string]int{}}
	r.get("missing")
	go r.set("k", 1)
}

// rwmutexRLock: a writer returned without Unlock, so a reader blocks in RLock.
func rwmutexRLock() {
	r := &registry{m: map[string]int{}}
	_ = r.load(true)
	go r.get("k")
}

// waitGroupNeverDone: one worker returns without Done, so the goroutine
// collecting the results waits forever.
func waitGroupNeverDone() {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			if i == 1 {
				return // the bug: no wg.Done on this path
			}
			wg.Done()
		}()
	}
	go func() {
		wg.Wait()
	}()
}

// queue hands items to pop; push is never called here.
type queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

func (q *queue) pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v
}

// condNeverSignalled: a consumer waits on a Cond for an item that no
// producer will push or signal.
func condNeverSignalled() {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	go q.pop()
}
