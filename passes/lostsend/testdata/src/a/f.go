package a

// startWorker leaves once the worker took start, which it reaches only
// past its error send: that send was skipped (held-out round 6).
func startWorker(prepare func() error, work func()) error {
	errc := make(chan error)
	start := make(chan struct{})
	go func() {
		if err := prepare(); err != nil {
			errc <- err
			return
		}
		<-start
		work()
	}()
	select {
	case err := <-errc:
		return err
	case start <- struct{}{}:
		return nil
	}
}

// startThenReport takes start before it may send: leaving after the
// handshake leaves it blocked on errc.
func startThenReport(work func() error) {
	errc := make(chan error)
	start := make(chan struct{})
	go func() {
		<-start
		if err := work(); err != nil {
			errc <- err // want `send-no-receiver: the goroutine blocks forever on this send when startThenReport returns at line 40`
		}
	}()
	start <- struct{}{}
	select {
	case <-errc:
	default:
	}
}

// pingPong signals both ways on one channel; the owner's first send is
// taken only past the goroutine's error send (held-out round 6).
func pingPong(open func() error, done func()) {
	errc := make(chan error)
	signal := make(chan bool)
	go func() {
		if err := open(); err != nil {
			errc <- err
		}
		<-signal
		done()
		signal <- true
	}()
	signal <- true
	select {
	case <-errc:
	case <-signal:
	}
}
