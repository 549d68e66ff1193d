package a

import (
	"errors"
	"sync"
)

type cache struct {
	mu   sync.Mutex
	rw   sync.RWMutex
	data map[string]int
}

func (c *cache) put(k string, v int) error {
	c.mu.Lock()
	if k == "" {
		return errors.New("empty key") // want `mutex-deadlock: put returns here with c.mu still locked \(Lock at line 15; its other paths unlock\), so the next Lock blocks forever; call c.mu.Unlock\(\) before this return or defer it after Lock`
	}
	c.data[k] = v
	c.mu.Unlock()
	return nil
}

func (c *cache) get(k string) (int, bool) {
	c.rw.RLock()
	v, ok := c.data[k]
	if !ok {
		return 0, false // want `mutex-deadlock: get returns here with c.rw still locked \(RLock at line 25; its other paths unlock\), so the next Lock blocks forever, and every RLock after it; call c.rw.RUnlock\(\) before this return or defer it after RLock`
	}
	c.rw.RUnlock()
	return v, true
}

func work() error { return nil }

func fanOut(n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			if err := work(); err != nil {
				return // want `waitgroup-never-done: the function literal returns here without calling wg.Done\(\), which its other paths call, so wg.Wait\(\) blocks forever`
			}
			wg.Done()
		}()
	}
	wg.Wait()
}

func worker(wg *sync.WaitGroup) {
	if work() != nil {
		return // want `waitgroup-never-done: worker returns here without calling wg.Done\(\)`
	}
	wg.Done()
}

// Negative twins.

func (c *cache) deferred(k string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k == "" {
		return errors.New("empty key")
	}
	return nil
}

func (c *cache) unlocksEverywhere(k string) error {
	c.mu.Lock()
	if k == "" {
		c.mu.Unlock()
		return errors.New("empty key")
	}
	c.mu.Unlock()
	return nil
}

// acquire returns holding the lock on success: a helper by design.
func (c *cache) acquire() error {
	c.mu.Lock()
	if c.data == nil {
		c.mu.Unlock()
		return errors.New("closed")
	}
	return nil
}

func (c *cache) unlockHelper(k string) error {
	c.mu.Lock()
	if k == "" {
		c.unlockAndLog()
		return errors.New("empty key")
	}
	c.mu.Unlock()
	return nil
}

func (c *cache) unlockAndLog() { c.mu.Unlock() }

func (c *cache) panics(k string) {
	c.mu.Lock()
	if k == "" {
		panic("empty key")
	}
	c.mu.Unlock()
}

func fanOutDeferred(n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := work(); err != nil {
				return
			}
		}()
	}
	wg.Wait()
}

type series struct {
	sync.Mutex
	gced bool
}

// lockForAppend returns s locked on purpose.
func lockForAppend(s *series, next func() (*series, error)) (*series, error) {
	for {
		s.Lock()
		if !s.gced {
			return s, nil
		}
		s.Unlock()
		var err error
		if s, err = next(); err != nil {
			return nil, err
		}
	}
}

// handOut returns the locked value: the caller unlocks it.
func handOut(s *series, next func() (*series, error)) (*series, error) {
	s.Lock()
	if !s.gced {
		return s, nil
	}
	s.Unlock()
	return next()
}

// flush must be called with c.mu held; it drops the lock for a moment.
func (c *cache) flush(busy bool) bool {
	if busy {
		c.mu.Unlock()
		c.mu.Lock()
		return false
	}
	return true
}

func (c *cache) allowed(k string, hasLock bool) bool {
	if c.data != nil {
		if !hasLock {
			c.mu.Lock()
		}
		_, ok := c.data[k]
		if !hasLock {
			c.mu.Unlock()
		}
		return ok
	}
	return false
}

func (c *cache) check(keys []string) error {
	for _, k := range keys {
		c.mu.Lock()
		if _, ok := c.data[k]; !ok {
			c.mu.Unlock()
			return errors.New("missing")
		}
		if c.data[k] < 0 {
			return errors.New("negative") // want `mutex-deadlock: check returns here with c.mu still locked`
		}
		c.mu.Unlock()
	}
	return nil
}

func (c *cache) flagged(k string, cached bool) int {
	held := false
	if !cached {
		c.mu.Lock()
		held = true
	}
	if c.data == nil {
		if held {
			c.mu.Unlock()
		}
		return 0
	}
	if !held {
		c.mu.Lock()
	}
	v := c.data[k]
	c.mu.Unlock()
	return v
}

// retried hands its handler to a runner that calls it again after an
// error: the return before Done is retried, not lost (held-out round 6).
func retried(jobs []int, runWithRetry func(func(int) error)) {
	var wg sync.WaitGroup
	wg.Add(len(jobs))
	for _, j := range jobs {
		handler := func(attempt int) error {
			if attempt == 0 && j%100 == 0 {
				return errors.New("flaky first attempt")
			}
			wg.Done()
			return nil
		}
		go runWithRetry(handler)
	}
	wg.Wait()
}
