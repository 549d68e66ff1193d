// Package leaky leaks a goroutine when the timeout wins.
package leaky

import (
	"context"
	"errors"
	"time"
)

func Fetch(get func() int) (int, error) {
	ch := make(chan int)
	go func() { ch <- get() }()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	}
}

func WithTimeout(parent context.Context) context.Context {
	ctx, _ := context.WithTimeout(parent, time.Second)
	return ctx
}
