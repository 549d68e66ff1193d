package t

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Failure paths are all alike: the test has failed, and its goroutine is
// left blocked, whether it returns after t.Errorf or ends in t.Fatal,
// t.FailNow, testify's require or assert.FailNow, or runtime.Goexit.

func TestErrorfReturn(t *testing.T) {
	ch := make(chan error)
	go func() { ch <- work() }() // want `when TestErrorfReturn returns at line 23 through the time.After timeout case, after failing the test, without receiving from ch`
	select {
	case <-time.After(time.Second):
		t.Errorf("timeout")
		return
	case err := <-ch:
		_ = err
	}
}

func TestFatal(t *testing.T) {
	ch := make(chan error)
	go func() { ch <- work() }() // want `when TestFatal ends the test at line 34 \(t.Fatal\) through the time.After timeout case without receiving from ch`
	select {
	case <-time.After(time.Second):
		t.Fatal("timeout")
	case err := <-ch:
		_ = err
	}
}

func TestFailNow(t *testing.T) {
	ch := make(chan error)
	go func() { ch <- work() }() // want `when TestFailNow ends the test at line 45 \(t.FailNow\)`
	select {
	case <-time.After(time.Second):
		t.FailNow()
	case err := <-ch:
		_ = err
	}
}

func TestRequireFail(t *testing.T) {
	ch := make(chan error)
	go func() { ch <- work() }() // want `when TestRequireFail ends the test at line 56 \(require.Fail\)`
	select {
	case <-time.After(time.Second):
		require.Fail(t, "timeout")
	case err := <-ch:
		_ = err
	}
}

func TestAssertFailNow(t *testing.T) {
	ch := make(chan error)
	go func() { ch <- work() }() // want `when TestAssertFailNow ends the test at line 67 \(assert.FailNow\)`
	select {
	case <-time.After(time.Second):
		assert.FailNow(t, "timeout")
	case err := <-ch:
		_ = err
	}
}

func TestGoexit(t *testing.T) {
	ch := make(chan error)
	go func() { ch <- work() }() // want `when TestGoexit ends the test at line 78 \(runtime.Goexit\)`
	select {
	case <-time.After(time.Second):
		runtime.Goexit()
	case err := <-ch:
		_ = err
	}
}

// A conditional assertion does not fail the path: the test passes on it.
func TestRequireNoError(t *testing.T) {
	ch := make(chan error)
	go func() { ch <- work() }() // want `when TestRequireNoError returns at line 91 without receiving from ch`
	err := work()
	require.NoError(t, err)
	if err == nil {
		return
	}
	<-ch
}

// A success path that leaks on every run is named before the timeout
// path (round 15, swarmkit's agent_test.go).
func TestSuccessFirst(t *testing.T) {
	errc := make(chan error)
	ready := make(chan struct{})
	go func() { close(ready) }()
	go func() {
		errc <- work() // want `when TestSuccessFirst returns at line 110 through the <-ready case without receiving from errc`
	}()
	select {
	case <-time.After(time.Second):
		t.Error("not ready")
	case <-ready:
	}
}

// The goroutine must have reached the send on the path named: while the
// owner waits for started, leaving through ctx.Done() leaves it parked on
// started, so that is the send that leaks there; result leaks only after
// started was taken (round 15, cometbft's mempool_test.go).
func gated(ctx context.Context) error {
	started := make(chan struct{})
	result := make(chan error)
	go func() {
		started <- struct{}{} // want `this send when gated returns at line 126 through the ctx.Done\(\) case without receiving from started`
		result <- work()      // want `this send when gated returns at line 132 through the time.After timeout case without receiving from result`
	}()
	select {
	case <-started:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-result:
		return err
	case <-time.After(time.Second):
		return errTimeout
	}
}

// False positives of round 15, now regression tests: no diagnostic.

// After the timeout the test dereferences the nil response and panics:
// the return is never reached, and the test binary dies with the sender.
func TestPanicsAfterTimeout(t *testing.T) {
	ch := make(chan *resp)
	go func() { ch <- get() }()
	var r *resp
	select {
	case r = <-ch:
	case <-time.After(time.Second):
		t.Error("timeout")
	}
	if r.body != "ok" {
		t.Errorf("body %q", r.body)
	}
}

// The goroutine parks in Accept until a client connects; on the timeout
// path none did, so it never reaches the send (the buffer would not help).
func TestParkedInAccept(t *testing.T) {
	ln, err := listen()
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan conn)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		conns <- c
	}()
	select {
	case c := <-conns:
		c.Close()
	case <-time.After(time.Second):
		t.Error("no connection")
		return
	}
}

// Its twin dials and then gives up: the goroutine got past Accept and
// blocks on the send.
func TestDialsThenGivesUp(t *testing.T) {
	ln, err := listen()
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan conn)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		conns <- c // want `when TestDialsThenGivesUp returns at line 201 through the time.After timeout case, after failing the test, without receiving from conns`
	}()
	if err := dial(ln); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-conns:
		c.Close()
	case <-time.After(time.Second):
		t.Error("not accepted")
		return
	}
}

// A conditional assertion ends the test when its check fails: testify's
// require calls t.FailNow, the test's deferred Close makes Accept fail,
// and the goroutine blocks on its error send (held-out round 17,
// go-libp2p's webrtc transport_test.go:785).
func TestRequireDialFails(t *testing.T) {
	ln, err := listen()
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan error)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err // want `when TestRequireDialFails ends the test at line 224 if require.NoError fails without receiving from done; give done a buffer of 1`
			return
		}
		c.Close()
		close(done)
	}()
	err = dial(ln)
	require.NoError(t, err)
	require.NoError(t, <-done)
}

// The same through require.New's Assertions.
func TestRequireNewDialFails(t *testing.T) {
	ln, err := listen()
	require.NoError(t, err)
	defer ln.Close()
	r := require.New(t)
	done := make(chan error)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err // want `when TestRequireNewDialFails ends the test at line 244 if r.NoError fails`
			return
		}
		c.Close()
		close(done)
	}()
	r.NoError(dial(ln))
	r.NoError(<-done)
}

// Its twin takes the goroutine's result before asserting anything: no
// path leaves without it.
func TestRequireAfterResult(t *testing.T) {
	ln, err := listen()
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan error)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		c.Close()
		close(done)
	}()
	derr := dial(ln)
	err = <-done
	require.NoError(t, derr)
	require.Equal(t, nil, err)
}

// Its twin asserts in the goroutine too: when the dial fails, Accept can
// only fail, and the goroutine's require.NoError ends it before its send.
func TestRequireBothSides(t *testing.T) {
	ln, err := listen()
	require.NoError(t, err)
	defer ln.Close()
	conns := make(chan conn)
	go func() {
		c, err := ln.Accept()
		require.NoError(t, err)
		conns <- c
	}()
	require.NoError(t, dial(ln))
	(<-conns).Close()
}

// The goroutine counts events until the test closes done, in a select
// beside another case: when the assertion before close(done) fails, it is
// still waiting there, not at its send (go-libp2p's basic_host_test.go:277).
func TestCountsUntilDone(t *testing.T) {
	events := make(chan int)
	watch(events)
	done := make(chan struct{})
	out := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-events:
				n++
			case <-done:
				out <- n
				return
			}
		}
	}()
	require.NoError(t, work())
	close(done)
	require.Equal(t, 1, <-out)
}

// Its twin asserts after close(done): the goroutine can be at its send.
func TestCountsThenAsserts(t *testing.T) {
	events := make(chan int)
	watch(events)
	done := make(chan struct{})
	out := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-events:
				n++
			case <-done:
				out <- n // want `when TestCountsThenAsserts ends the test at line 330 if require.NoError fails without receiving from out`
				return
			}
		}
	}()
	close(done)
	require.NoError(t, work())
	require.Equal(t, 1, <-out)
}
