// Package t holds leaks in tests, ranked by whether they matter.
package t

import "errors"

type resp struct{ body string }

func get() *resp { return &resp{"ok"} }

func work() error { return nil }

var errTimeout = errors.New("timeout")

// A listener is the part of net.Listener that matters here: Accept blocks
// until a client connects or the listener is closed.
type listener interface {
	Accept() (conn, error)
	Close() error
}

type conn interface{ Close() error }

func listen() (listener, error) { return nil, nil }

func dial(listener) error { return nil }
func watch(chan int)      {}
