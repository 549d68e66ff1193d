package c

import (
	"testing"
	"time"
)

func work() error { return nil }

// Shown by default: the test passes and its sender stays blocked.
func TestPasses(t *testing.T) {
	errc := make(chan error)
	go func() { errc <- work() }() // want `when TestPasses returns`
}

// Not shown by default: the sender leaks only once t.Fatal failed the test.
func TestFails(t *testing.T) {
	errc := make(chan error)
	go func() { errc <- work() }() // want `when TestFails ends the test`
	select {
	case <-errc:
	case <-time.After(time.Second):
		t.Fatal("timeout")
	}
}
