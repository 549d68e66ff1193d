package a

import (
	"errors"
	"log"
	"time"
)

type gate struct{ closed chan struct{} }

// wait blocks until g is closed, then panics: a call its users expect to
// end by a panic.
func (g *gate) wait() {
	<-g.closed
	panic("gate closed")
}

// Throwing the recovered value away says the goroutine is meant to end by
// the panic of wait, before the send (held-out round 5).
func expectsPanic(g *gate) bool {
	passed := make(chan struct{})
	go func() {
		defer func() { recover() }()
		g.wait()
		passed <- struct{}{}
	}()
	select {
	case <-passed:
		return true
	case <-time.After(time.Millisecond):
		close(g.closed)
		return false
	}
}

// A crash guard that logs what it recovers expects no panic in particular:
// the send on the timeout path still leaks.
func guarded(work func() int) (int, error) {
	ch := make(chan int)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				log.Print(r)
			}
		}()
		ch <- work() // want `send-no-receiver: the goroutine blocks forever on this send when guarded returns at line 52 through the time.After timeout case without receiving from ch; give ch a buffer of 1`
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	}
}
