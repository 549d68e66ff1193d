package a

import "context"

// handshakeDeferred's goroutine takes the owner's send on signal only past
// its send on errc, and signals back from a deferred closure, which runs as
// part of the goroutine: once the handshake completes, the goroutine can no
// longer block on errc (held-out round 6, R6-17).
func handshakeDeferred(open func() (int, error)) error {
	signal := make(chan bool)
	errc := make(chan error)
	go func() {
		v, err := open()
		if err != nil {
			errc <- err
			return
		}
		<-signal
		defer func() {
			use(v)
			signal <- true
		}()
	}()
	signal <- true
	select {
	case err := <-errc:
		return err
	case <-signal:
		return nil
	}
}

// deferredSignalOrQuit may leave through ctx.Done() before the goroutine
// sends either way, and then the deferred signal blocks as well.
func deferredSignalOrQuit(ctx context.Context, open func() (int, error)) error {
	done := make(chan struct{})
	errc := make(chan error)
	go func() {
		defer func() { done <- struct{}{} }() // want `send-no-receiver: the goroutine blocks forever on this send when deferredSignalOrQuit returns at line 51 through the ctx.Done\(\) case without receiving from done; give done a buffer of 1`
		v, err := open()
		if err != nil {
			errc <- err // want `send-no-receiver: the goroutine blocks forever on this send when deferredSignalOrQuit returns at line 51 through the ctx.Done\(\) case without receiving from errc; give errc a buffer of 1`
			return
		}
		use(v)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-done:
		return nil
	}
}

func use(int) {}

// drainOnReturn receives from writeErr in a deferred closure, so every
// return waits for the writer (net/http's serve_test.go).
func drainOnReturn(write func() error, read func() (string, error)) error {
	writeErr := make(chan error)
	go func() {
		writeErr <- write()
	}()
	defer func() {
		<-writeErr
	}()
	for {
		if _, err := read(); err != nil {
			return err
		}
	}
}

// clientsThenServer counts the clients' signals in a loop, then takes one
// more from the server (net's TestTCPStress).
func clientsThenServer(n int, serve, dial func()) {
	done := make(chan bool)
	go func() {
		defer func() { done <- true }()
		serve()
	}()
	for i := 0; i < n; i++ {
		go func() {
			defer func() { done <- true }()
			dial()
		}()
	}
	for i := 0; i < n; i++ {
		<-done
	}
	<-done
}
