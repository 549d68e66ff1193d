package recall

import (
	"context"
	"net"
)

// Source: https://github.com/kubevirt/kubevirt/pull/6168
// Two proxy copy goroutines report on one unbuffered channel that is read once.
func kubevirtProxy(a, b net.Conn, copyConn func(dst, src net.Conn) error) error {
	errChan := make(chan error)
	go func() { errChan <- copyConn(a, b) }()
	go func() { errChan <- copyConn(b, a) }() // leakvet:lostsend
	return <-errChan
}

// Source: https://github.com/kubernetes/kubernetes/pull/85017
// kubeadm WaitForKubeletAndFunc: two writers, one read.
func kubeadmWaitForKubeletAndFunc(healthy func() error, f func() error) error {
	errorChan := make(chan error)
	go func(errC chan error) {
		errC <- healthy()
	}(errorChan)
	go func(errC chan error) {
		errC <- f() // leakvet:lostsend
	}(errorChan)
	return <-errorChan
}

// Source: https://github.com/stamm/dep_radar/pull/28
// Nobody reads the results channel after the first result.
func depRadarFirst(tools []string, check func(string) bool) string {
	found := make(chan string)
	for _, tool := range tools {
		go func() {
			if check(tool) {
				found <- tool // leakvet:lostsend
			}
		}()
	}
	return <-found
}

// Source: https://github.com/guevara/read-it-later/issues/3191 (Go 101,
// "Common Concurrent Programming Mistakes", first-response-wins)
// Five requests race; four goroutines hang on the future channel.
func go101FirstResponse(request func() int) int {
	c := make(chan int)
	for i := 0; i < 5; i++ {
		go func() {
			c <- request() // leakvet:lostsend
		}()
	}
	return <-c
}

// Source: https://github.com/peterbourgon/how-i-start-go/issues/7
// A multi-provider fan-out that returns on the first error leaks the
// other providers unless the channels have a buffer per provider.
func multiProvider(ctx context.Context, providers []func(context.Context) (float64, error)) (float64, error) {
	temps := make(chan float64)
	errs := make(chan error)
	for _, p := range providers {
		go func() {
			t, err := p(ctx)
			if err != nil {
				errs <- err // leakvet:lostsend
				return
			}
			temps <- t // reported with the send above: one goroutine, one finding
		}()
	}
	sum := 0.0
	for range providers {
		select {
		case t := <-temps:
			sum += t
		case err := <-errs:
			return 0, err
		}
	}
	return sum / float64(len(providers)), nil
}
