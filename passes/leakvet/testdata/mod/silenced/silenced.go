// Package silenced has leaks whose lines carry golangci-lint's //nolint.
package silenced

import (
	"context"
	"time"
)

func Timer(parent context.Context) context.Context {
	ctx, _ := context.WithTimeout(parent, time.Second) //nolint:govet // the test binary exits first
	return ctx
}

func Above(parent context.Context) context.Context {
	// The timer ends it; the comment below silences the line after it.
	//nolint:govet
	ctx, _ := context.WithTimeout(parent, time.Second)
	return ctx
}

func first(get func() int) int {
	ch := make(chan int)
	go func() { ch <- get() }() //nolint:lostsend
	go func() { ch <- get() }() //nolint:leakvet,unused
	return <-ch
}

func Kept(get func() int) (int, error) {
	ch := make(chan int)
	go func() { ch <- get() }() //nolint:errcheck // names another linter: still reported
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return first(get), nil
	}
}
