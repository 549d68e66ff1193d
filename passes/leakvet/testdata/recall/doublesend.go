package recall

// Source: https://github.com/enobufs/go-nats/pull/2
// Missing returns after the error sends leave a second, blocked send.
func natsRequest(subscribe func() error, publish func() error) error {
	receivedCh := make(chan error)
	go func() {
		if err := subscribe(); err != nil {
			receivedCh <- err
		}
		if err := publish(); err != nil {
			receivedCh <- err
		}
		receivedCh <- nil // leakvet:doublesend
	}()
	return <-receivedCh
}

// Source: https://github.com/Azure/go-shuttle/pull/156
// The sender goroutine could send to errChan twice; the caller reads once.
func shuttleSend(send func() error, settle func() error) error {
	errChan := make(chan error)
	go func() {
		if err := send(); err != nil {
			errChan <- err
		}
		errChan <- settle() // leakvet:doublesend
	}()
	return <-errChan
}
