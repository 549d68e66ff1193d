package a

import (
	"fmt"
	"sync"
	"time"
)

// checkAll leaves only once a joiner saw every checker finish: none is
// left blocked on errc (held-out round 7).
func checkAll(items []int, check func(int) error) {
	errc := make(chan error)
	var wg sync.WaitGroup
	wg.Add(len(items))
	for _, it := range items {
		go func() {
			defer wg.Done()
			if err := check(it); err != nil {
				errc <- err
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	for {
		select {
		case err := <-errc:
			panic(fmt.Sprintf("check failed: %v", err))
		case <-done:
			return
		}
	}
}

// checkAllOrTimeout also gives up after a second: checkers still running
// then block on errc.
func checkAllOrTimeout(items []int, check func(int) error) {
	errc := make(chan error)
	var wg sync.WaitGroup
	wg.Add(len(items))
	for _, it := range items {
		go func() {
			defer wg.Done()
			if err := check(it); err != nil {
				errc <- err // want `send-no-receiver: the goroutine blocks forever on this send when checkAllOrTimeout returns at line 64 through the time.After timeout case`
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	for {
		select {
		case err := <-errc:
			panic(fmt.Sprintf("check failed: %v", err))
		case <-done:
			return
		case <-time.After(time.Second):
			return
		}
	}
}
