package a

import "errors"

// The goroutine reports either an error or done, never both: leaving
// through the done case means it already finished.
func eitherOr(next func() error, fatal func(error)) {
	errC := make(chan error)
	done := make(chan struct{})
	go func() {
		if err := next(); err != nil {
			errC <- err
			return
		}
		done <- struct{}{}
	}()
	select {
	case <-done:
	case err := <-errC:
		fatal(err)
	}
}

// Here done comes first and the error later: leaving through done leaks.
func doneThenError(next func() error) error {
	errC := make(chan error)
	done := make(chan struct{})
	go func() {
		done <- struct{}{}
		errC <- next() // want `send-no-receiver: .* when doneThenError returns at line 37 through the <-done case without receiving from errC`
	}()
	select {
	case <-done:
	case err := <-errC:
		return err
	}
	return errors.New("done first")
}
