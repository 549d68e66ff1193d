package a

import (
	"context"
	"time"
)

func fetch(ctx context.Context) int {
	ch := make(chan int)
	go func() { ch <- 1 }() // want `send-no-receiver: the goroutine blocks forever on this send when fetch returns at line 13 through the ctx.Done\(\) case`
	select {
	case <-ctx.Done():
		return 0
	case v := <-ch:
		return v
	}
}

func timeout(parent context.Context) context.Context {
	ctx, _ := context.WithTimeout(parent, time.Second) // lostcancel is govet's in golangci-lint: not reported here
	return ctx
}
