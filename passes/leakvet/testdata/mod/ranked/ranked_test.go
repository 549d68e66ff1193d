package ranked

import (
	"testing"
	"time"
)

func work() error { return nil }

// TestAlwaysLeaks passes, and leaves its sender blocked on every run.
func TestAlwaysLeaks(t *testing.T) {
	errc := make(chan error)
	go func() { errc <- work() }()
	Poll(time.Millisecond)
}

// TestLeaksWhenFailing leaves its sender blocked only after t.Fatal.
func TestLeaksWhenFailing(t *testing.T) {
	errc := make(chan error)
	go func() { errc <- work() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(time.Second):
		t.Fatal("timeout")
	}
}
