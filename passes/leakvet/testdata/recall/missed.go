package recall

import (
	"errors"
	"sync"
	"time"
)

// Source: https://github.com/codeskyblue/go-sh/issues/26
// Missed: the channel is made in a helper and returned to the caller;
// leakvet follows a channel only inside the function that makes it.
func shGo(f func() error) chan error {
	ch := make(chan error)
	go func() { ch <- f() }()
	return ch
}

func shWaitTimeout(wait func() error, limit time.Duration) error {
	select {
	case <-time.After(limit):
		return errors.New("timeout")
	case err := <-shGo(wait):
		return err
	}
}

// Source: https://github.com/quii/learn-go-with-tests/issues/257
// Missed: the same shape, ping returns its channel to Racer.
func ping(get func()) chan bool {
	ch := make(chan bool)
	go func() {
		get()
		ch <- true
	}()
	return ch
}

func racer(a, b func(), limit time.Duration) int {
	select {
	case <-ping(a):
		return 1
	case <-ping(b):
		return 2
	case <-time.After(limit):
		return 0
	}
}

// Source: https://github.com/afex/hystrix-go/issues/7
// Missed: the function waits on an error channel that is only sent to on
// failure and never closed; the channel comes from another function.
func hystrixGo(run func() error) chan error {
	errs := make(chan error)
	go func() {
		if err := run(); err != nil {
			errs <- err
		}
	}()
	return errs
}

func hystrixCaller(run func() error) error {
	return <-hystrixGo(run)
}

// Source: https://github.com/docker-archive/tutum-cleanup/issues/8
// Missed: the goroutines never call Done at all; unreleased reports only
// paths that skip a Done other paths make.
func tutumCleanup(images, volumes func()) {
	var wg sync.WaitGroup
	wg.Add(2)
	go images()
	go volumes()
	wg.Wait()
}

// Source: https://github.com/raff/godet/issues/38
// Missed: Close never closes the field the sender goroutine waits on; a
// field made with make is assigned, so nilchan is silent, and fields are
// not followed across methods.
type remoteDebugger struct {
	requests chan string
}

func newRemoteDebugger() *remoteDebugger {
	r := &remoteDebugger{requests: make(chan string)}
	go r.sendMessages()
	return r
}

func (r *remoteDebugger) sendMessages() {
	for req := range r.requests {
		use(req)
	}
}

func (r *remoteDebugger) Close() {}

// Source: https://github.com/oleksandr/bonjour/issues/3
// Missed: the results channel is passed to Browse, so leakvet cannot see
// whether anything closes it.
func bonjourBrowse(browse func(chan string) error) {
	results := make(chan string)
	go func(results chan string) {
		for e := range results {
			use(e)
		}
	}(results)
	_ = browse(results)
}
