// Package clean gives its sender a buffer.
package clean

import (
	"errors"
	"time"
)

func Fetch(get func() int) (int, error) {
	ch := make(chan int, 1)
	go func() { ch <- get() }()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	}
}
