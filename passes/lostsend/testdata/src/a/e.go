package a

import (
	"errors"
	"time"
)

// waitAll steps one counter over three channels and returns when it says
// all three sends are in: no early exit (held-out round 6).
func waitAll(serve, dial, stop func() error) error {
	served, dialed, stopped := make(chan error), make(chan error), make(chan error)
	go func() { served <- serve() }()
	go func() { dialed <- dial() }()
	go func() { stopped <- stop() }()
	done := 0
	for {
		select {
		case <-time.After(time.Second):
			panic("too slow")
		case <-served:
			done++
		case <-dialed:
			done++
		case <-stopped:
			done++
		}
		if done == 3 {
			return nil
		}
	}
}

// waitAllOrTimeout counts the same way but gives up on a timeout: the
// senders still waiting then leak.
func waitAllOrTimeout(serve, dial func() error) error {
	served, dialed := make(chan error), make(chan error)
	go func() { served <- serve() }() // want `send-no-receiver: the goroutine blocks forever on this send when waitAllOrTimeout returns at line 47 through the time.After timeout case`
	go func() { dialed <- dial() }()  // want `send-no-receiver: the goroutine blocks forever on this send when waitAllOrTimeout returns at line 47 through the time.After timeout case`
	done := 0
	for {
		select {
		case <-served:
			done++
		case <-dialed:
			done++
		case <-time.After(time.Second):
			return errors.New("timeout")
		}
		if done == 2 {
			return nil
		}
	}
}
